"""Digests page: pick a subscription and an ISO week, preview the digest as it will be mailed, send it as a test
mail to the operator, download the Atom feed, and add or remove subscriptions.

The page mails nobody but the operator: the test mail goes to the configured operator address only (rate-limited
per data home), and addresses typed into a new subscription wait for `trendscope subscriptions confirm`.

The preview shows the digest's Markdown rendering (escaped by the digest renderer) with `st.markdown` — never
the HTML part as raw HTML; the HTML email itself is offered as a download.
"""
from __future__ import annotations

import streamlit as st

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.text import slug
from trendscope.foundation.wording import count
from trendscope.ui.app import digest_preview
from trendscope.ui.app import digest_view as dg
from trendscope.ui.app import state as app
from trendscope.ui.app.text import literal_inline, safe_inline

PREVIEW_WEEKS = 104  # two years back (16 weeks were too few to look at last spring's: a blind walkthrough)



def _addresses(typed: str | None) -> list[str]:
    """Addresses typed into one field, separated by commas or semicolons (as mail clients take them)."""
    from trendscope.foundation.address import split_addresses

    return split_addresses(typed)


def _pick_week() -> str | None:
    weeks = dg.recent_weeks(PREVIEW_WEEKS)
    if not weeks:
        return None
    # the newest week may still be filling up: start on the last complete one
    partial = len(weeks) > 1 and dg.partial_newest_week()
    return st.selectbox("Week", weeks, index=1 if partial else 0, key="digest_week",
                        format_func=lambda w: f"{w} (incomplete: its papers so far)" if partial and w == weeks[0]
                        else w,  # it looked like any other week; only the hover said so
                        help="ISO week (Monday to Sunday) of publication; the newest may be incomplete. Type to "
                             "find one; two years back (any week: `trendscope digest --week 2024-W10`).")


def _preview(sub, week: str) -> None:
    try:
        with st.spinner("Building the digest…"):
            digest = dg.build_digest(sub, week)
    except TrendscopeError as exc:
        st.error(safe_inline(str(exc)))
        return
    files = dg.digest_files(digest)
    # a saved search says how many papers hold its words: "0 papers (of 0 candidates)" above "1 paper holds its
    # words without being about it" read as a contradiction (a blind walkthrough)
    holding = (f" · {count(digest.word_holders, 'paper')} holding its words" if digest.subscription.query
               and not digest.subscription.trends else "")
    st.caption(f"{count(len(digest.papers), 'paper')} listed (of {count(digest.candidates, 'candidate')})"
               f"{holding} · {count(digest.total_week_papers, 'paper')} published that week")
    c1, c2, c3, c4 = st.columns(4)
    stem = f"trendscope-{slug(sub.name, 60)}-{week}"
    c1.download_button("HTML email", files["html"], file_name=f"{stem}.html", mime="text/html",
                       icon=":material/download:", key="dl_html", width="stretch")
    c2.download_button("Markdown", files["md"], file_name=f"{stem}.md", mime="text/markdown",
                       icon=":material/download:", key="dl_md", width="stretch")
    c3.download_button("Email (.eml)", files["eml"], file_name=f"{stem}.eml", mime="message/rfc822",
                       icon=":material/download:", key="dl_eml", width="stretch")
    feed = dg.atom_feed(sub)
    c4.download_button("Atom feed", feed, file_name=f"{stem.rsplit('-', 2)[0]}.atom",
                       mime="application/atom+xml", icon=":material/rss_feed:", key="dl_atom",
                       width="stretch", help="Every week issued so far, newest first; a feed reader follows the "
                       "file `trendscope digest --send` rewrites in the data home's feeds/ folder.")
    if sub.feed and dg.may_change(sub):  # the address is a key: shown to whoever may change the subscription
        st.caption("The feed's address, for a feed reader (the app serves it without sign-in: anyone with the "
                   "address reads this feed, and nothing else; removing the subscription or giving the feed a new "
                   "address ends it):")
        st.code(dg.feed_address(sub), language=None)
        _new_feed_address(sub)
    elif sub.feed:  # a lab-wide feed: its address is a key admins hand out (a student had no way to learn that)
        st.caption("This lab-wide subscription's feed has a web address for feed readers, kept by the lab's admins "
                   "(it is a key: whoever holds it reads the feed): ask one of them for it.")
    if b"<entry" not in feed:  # the preview above is not an issued week: an empty feed needs saying so
        st.caption("The Atom feed has no weeks yet: it holds the weeks `trendscope digest --send` (or the "
                   "scheduler) has issued, not previews; without a mail server, `trendscope digest --feeds-only` "
                   "issues the week to the feeds alone.")
    tab_mail, tab_text = st.tabs(["Preview", "Plain-text part"])
    with tab_mail:
        with st.container(border=True, key="digest_preview"):
            digest_preview.show(digest)
    with tab_text:
        st.code(files["text"].decode("utf-8"), language=None, wrap_lines=True)
    _test_mail(digest)


def _new_feed_address(sub) -> None:
    """Replace a leaked feed address (it could only be ended by removing the subscription and adding it again, which
    mails its last week again), asked first: every feed reader following the old address loses it."""
    with st.popover("Give this feed a new address", icon=":material/autorenew:"):
        st.markdown("The address above stops answering at once; its feed readers need the new one. The "
                    "subscription's email addresses and sent weeks stay.")
        if st.button("Give it a new address", key=f"new_feed_{sub.id}", type="primary"):
            try:
                dg.new_feed_address(sub)
            except TrendscopeError as exc:
                st.error(safe_inline(str(exc)))
                return
            st.session_state["digests_flash"] = (f"The feed of **{literal_inline(sub.name)}** has a new address, "
                                                 "shown below; the old one no longer answers.")
            st.rerun()


def _test_mail(digest) -> None:
    if not dg.is_admin():
        return  # test mails go to the operator: an admin's tool
    with st.expander("Send this digest as a test mail", icon=":material/send:"):
        cfg = dg.smtp_config()
        if not cfg.configured:
            st.info("No SMTP server configured. Set `TRENDSCOPE_SMTP_HOST` (and `TRENDSCOPE_SMTP_PORT`, "
                    "`TRENDSCOPE_SMTP_TLS`, `TRENDSCOPE_SMTP_USER`, `TRENDSCOPE_SMTP_PASSWORD`, "
                    "`TRENDSCOPE_MAIL_FROM`, `TRENDSCOPE_MAIL_OPERATOR`) or an `[smtp]` section in the data home's "
                    "config.toml, then restart `trendscope serve`.")
            return
        for warning in dg.config_warnings():
            st.warning(warning)
        if not cfg.operator:
            st.info("Test mails go only to the operator: set `operator = \"you@example.org\"` (or `from`) in the "
                    "`[smtp]` section of the data home's config.toml, or `TRENDSCOPE_MAIL_OPERATOR`.")
            return
        st.caption(f"Test mails go only to the operator address `{cfg.operator}` (`[smtp] operator`, else `from`, "
                   f"in config.toml), {dg.rate_limit_text()}.")
        with st.form("test_mail", border=False):
            if st.form_submit_button("Send test mail", icon=":material/send:"):
                try:
                    message_id = dg.send_test_digest(digest)
                except TrendscopeError as exc:
                    st.error(safe_inline(str(exc)))
                else:
                    st.success(f"Sent to `{cfg.operator}` via `{cfg.host}` (Message-ID `{message_id}`). "
                               "Test mails are not recorded as deliveries.")


# each field of the add form and its empty value
FORM_DEFAULTS = {"sub_name": "", "sub_trends": [], "sub_query": "", "sub_categories": [], "sub_exclude": "",
                 "sub_size": 10, "sub_emails": "", "sub_lab": False}


def _add_form() -> None:
    if st.session_state.pop("sub_form_reset", False):
        # written, not deleted: a browser keeps a deleted widget's last value and sends it back (the fields kept
        # the added subscription's name and query); a value set before the widget exists reaches the browser
        st.session_state.update(FORM_DEFAULTS)
    st.session_state.setdefault("sub_size", FORM_DEFAULTS["sub_size"])  # the widget's default, set once here
    labels = app.trend_labels()
    cats = dict(app.summary()["categories"])
    with st.form("add_subscription", clear_on_submit=False):  # kept on errors, reset after a successful add
        st.markdown("**New subscription**")
        name = st.text_input("Name", key="sub_name", placeholder="e.g. efficiency weekly", max_chars=80)
        trends = st.multiselect("Trends", list(labels), format_func=labels.get, key="sub_trends")
        query = st.text_input("Saved search query (optional)", key="sub_query", max_chars=500)
        categories = st.multiselect("Only these arXiv categories (optional)", list(cats), key="sub_categories",
                                    format_func=lambda c: f"{c} ({cats[c]:,})", filter_mode="prefix",
                                    select_all=False)  # "cs.CL" fuzzily matched physics.class-ph
        c1, c2 = st.columns(2)
        exclude = c1.text_input("Exclude words (comma separated)", key="sub_exclude")
        # no value= beside the state: both logged "created with a default value but also had its value set via the
        # Session State API" with a call stack in serve.log after every added subscription (a blind walkthrough)
        size = c2.number_input("Papers per digest", min_value=1, max_value=100, key="sub_size")
        emails = st.text_input("Email addresses (comma separated, optional)", key="sub_emails",
                               help="Addresses get no mail until the operator confirms them with "
                                    "`trendscope subscriptions confirm NAME`.")
        lab = dg.is_admin() and st.checkbox("Lab-wide (every user sees it; only admins change it)", key="sub_lab")
        if st.form_submit_button("Add subscription", icon=":material/add:", type="primary"):
            try:
                sub = dg.add_subscription(lab=bool(lab),
                    name=name, trends=trends, query=query, categories=categories,
                    exclude=[w.strip() for w in (exclude or "").split(",") if w.strip()], size=int(size),
                    emails=_addresses(emails),
                )
            except TrendscopeError as exc:
                st.error(safe_inline(str(exc)))
            else:
                st.session_state["digest_sub_next"] = sub.name
                flash = f"Added subscription **{literal_inline(sub.name)}**."
                if sub.pending:
                    n = len(sub.pending)
                    flash += (f" Its {n} email address{'es get' if n != 1 else ' gets'} no mail until the operator "
                              f"confirms with `{_confirm_command(sub.command_name)}`.")
                from trendscope.index.fts_query import or_reading_note

                if sub.query and (note := or_reading_note(sub.query)):
                    flash += f" Note: {literal_inline(note)}."
                st.session_state["digests_flash"] = flash
                st.session_state["sub_form_reset"] = True  # an empty form for the next subscription
                st.rerun()


def _add_addresses(sub) -> None:
    """A small form adding addresses to a subscription: one followed from the Trends or Search page had none and
    could only be removed and made again (a blind walkthrough)."""
    with st.popover("Add email address", icon=":material/forward_to_inbox:"):
        with st.form(f"add_addresses_{sub.id}", border=False, clear_on_submit=True):
            typed = st.text_input("Email addresses (comma separated)", key=f"sub_add_emails_{sub.id}",
                                  placeholder="me@example.org")
            if st.form_submit_button("Add", type="primary"):
                try:
                    now, added = dg.add_addresses(sub, _addresses(typed))
                except TrendscopeError as exc:
                    st.error(safe_inline(str(exc)))
                    return
                waiting = [a for a in added if a.lower() in {p.lower() for p in now.pending}]
                flash = (f"Added {literal_inline(', '.join(added))} to **{literal_inline(now.name)}**." if added else
                         f"**{literal_inline(now.name)}** already has every address given.")
                if waiting:
                    flash += (f" {'They get' if len(waiting) > 1 else 'It gets'} no mail until the operator "
                              f"confirms with `{_confirm_command(now.command_name)}`.")
                from trendscope.index.fts_query import or_reading_note

                if sub.query and (note := or_reading_note(sub.query)):
                    flash += f" Note: {literal_inline(note)}."
                st.session_state["digests_flash"] = flash
                st.rerun()


def _confirm_command(name: str) -> str:
    """The operator's command for this subscription, quoted for a shell (a name with a backtick, which would end
    the code span, is left as NAME)."""
    import shlex

    command = f"trendscope subscriptions confirm {shlex.quote(name)}"
    return command if "`" not in command else "trendscope subscriptions confirm NAME"


def _manage(subs) -> None:
    st.subheader("Subscriptions")
    for sub in subs:
        with st.container(border=True, key=f"sub_{sub.id}"):
            c_text, c_rm = st.columns([5, 1], vertical_alignment="center")
            targets = dg.shown_addresses(sub)
            size = count(sub.size, "paper")
            lab = " · lab-wide" if sub.lab_wide else ""
            follows = literal_inline(sub.describe(app.trend_labels()))  # a typed query: its `$...$` is no math
            c_text.markdown(f"**{literal_inline(sub.name)}**{lab} · {follows} · {size} · "
                            f"{safe_inline(targets)}{' · Atom feed' if sub.feed else ''}")
            if dg.may_change(sub):
                _remove_button(c_rm, sub, targets)
            if dg.may_change(sub):
                _add_addresses(sub)
    _add_form()


def _remove_button(where, sub, targets: str) -> None:
    """Remove, asked first as the CLI asks: one click deleted a subscription that mailed a lab, with its delivery
    record (added back, it mails the last week again under a new feed: a blind walkthrough)."""
    with where.popover("Remove", icon=":material/delete:"):
        mailed = f", mailed to {safe_inline(targets)}" if sub.emails else ""
        st.markdown(f"Remove **{literal_inline(sub.name)}**{mailed}? Its record of what was sent goes with it: "
                    "added again, it would get a new feed and mail the last week again.")
        if st.button("Remove for good", key=f"rm_sub_{sub.id}", type="primary"):
            dg.remove_subscription(sub)
            st.session_state["digests_flash"] = f"Removed subscription **{literal_inline(sub.name)}**."
            st.rerun()


def render() -> None:
    st.title("Digests")
    flash = st.session_state.pop("digests_flash", None)
    if flash:
        st.success(flash)
    subs = dg.subscriptions()
    if not subs:
        st.info("No subscriptions yet. Add one below (or with `trendscope subscriptions add NAME --trend T`).")
    elif app.empty_corpus_notice():
        pass
    else:
        names = [s.name for s in subs]
        wanted = st.session_state.pop("digest_sub_next", None)
        if wanted in names:
            st.session_state["digest_sub"] = wanted
        if st.session_state.get("digest_sub") not in names:
            st.session_state["digest_sub"] = names[0]
        c_sub, c_week = st.columns(2)
        with c_sub:
            name = st.selectbox("Subscription", names, key="digest_sub")
        with c_week:
            week = _pick_week()
        if week:
            _preview(next(s for s in subs if s.name == name), week)
    _manage(subs)


if __name__ == "__main__":
    with app.guarded():
        render()
