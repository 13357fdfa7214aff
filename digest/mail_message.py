"""A digest as an email: multipart/alternative (text/plain, then HTML with the trend chart inline by cid), with
the list headers a mail client reads (RFC 2919 List-Id, RFC 2369 List-Unsubscribe, RFC 3834 Auto-Submitted) and
a footer saying how to stop it. Every header is checked to read back exactly as written (`_set_header`), so a
subscription's name or a paper's title can never add a header or a body.
"""
from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from email import errors, policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from trendscope.foundation.text import slug

from .model import Digest, Subscription
from .render import CHART_CID, render_html, render_text
from .text import has_control, header_text


def _domain(address: str) -> str:
    domain = address.rsplit("@", 1)[-1].lower() if "@" in address else ""
    return domain if re.fullmatch(r"[a-z0-9.-]{1,200}", domain) else "trendscope.local"


def list_id(sub: Subscription, sender: str) -> str:
    """RFC 2919 List-Id: `<name-slug-ID.trendscope.SENDER-DOMAIN>` (letters, digits, dashes and dots only)."""
    label = f"{slug(sub.name, 40)}-{sub.id}" if sub.id is not None else slug(sub.name, 40)
    return f"<{label}.trendscope.{_domain(parseaddr(sender)[1])}>"


def unsubscribe_address(sub: Subscription, operator: str, recipient: str = "") -> str:
    """RFC 2369 List-Unsubscribe: a mailto: of the operator with the recipient's token in the subject."""
    token = sub.token_for(parseaddr(recipient)[1]) if recipient else sub.token
    subject = f"unsubscribe%20{token}" if token else "unsubscribe"
    return f"<mailto:{operator}?subject={subject}>"


def unsubscribe_note(sub: Subscription, operator: str, recipient: str = "") -> list[str]:
    """The mail's footer: why the reader gets it and how to stop it, in the reader's terms (the operator's
    command, `trendscope subscriptions unsubscribe TOKEN`, is in the docs: a blind walkthrough found it shown to
    every recipient, who has no shell on the lab server)."""
    token = sub.token_for(parseaddr(recipient)[1]) if recipient else sub.token
    request = f'"unsubscribe {token}"' if token else '"unsubscribe" and the subscription name'
    return [
        "You get this digest because your address is on this subscription (added in the Trendscope app or by "
        "its operator).",
        f"To stop it, mail {operator} with the subject {request} (your mail program's unsubscribe button "
        "sends that mail); the operator then removes your address.",
    ]


# Header lines may run to RFC 5322's 998 characters: folded at 78, a header with no space to fold at (List-Unsubscribe's
# <mailto:...>, List-Id) was written as RFC 2047 encoded words, which mail clients do not read as a link or an id
MAIL_POLICY = policy.default.clone(max_line_length=998)


def _set_header(msg: EmailMessage, name: str, value: str, *, address: bool = False) -> None:
    """Set a header and check what the email package made of it: one line, read back exactly as written
    (for From/To: exactly one address), so no decoded encoded word can add a header or a body."""
    msg[name] = value
    got = msg[name]
    text = str(got)
    if has_control(text):
        raise ValueError(f"the {name} header holds control characters once parsed: {value!r}")
    if address:
        # "a@x.org; b@y.org" parsed as one address with a defect, and was written as given (a test audit); an
        # obsolete form ("Lab. <x@y.org>", a configured sender's) is still taken
        invalid = any(isinstance(d, errors.InvalidHeaderDefect) for d in getattr(got, "defects", ()))
        if invalid or len(getattr(got, "addresses", ())) != 1:
            raise ValueError(f"the {name} header must hold exactly one address: {value!r}")
    elif text != value:
        raise ValueError(f"the {name} header does not read back as written: {value!r}")


def build_message(d: Digest, sender: str, recipient: str, message_id: str,
                  when: datetime | None = None, *, operator: str | None = None) -> EmailMessage:
    """multipart/alternative: text/plain + multipart/related(text/html + image/png referenced by cid).

    `operator`: where unsubscribe requests go (List-Unsubscribe and the footer); default the sender's address.
    Raises ValueError when a header would not read back exactly as written (never for validated input)."""
    operator = operator or parseaddr(sender)[1]
    msg = EmailMessage(policy=MAIL_POLICY)
    _set_header(msg, "Subject", header_text(d.title, 150))
    _set_header(msg, "From", sender, address=True)
    _set_header(msg, "To", recipient, address=True)
    _set_header(msg, "Date", format_datetime(when or datetime.now(UTC)))
    _set_header(msg, "Message-ID", message_id)
    _set_header(msg, "List-Id", list_id(d.subscription, sender))
    _set_header(msg, "List-Unsubscribe", unsubscribe_address(d.subscription, operator, recipient))
    if operator.lower() != parseaddr(sender)[1].lower():  # a reply ("unsubscribe") reaches the operator
        _set_header(msg, "Reply-To", operator, address=True)
    _set_header(msg, "X-Trendscope-Week", header_text(d.week, 20))
    _set_header(msg, "Auto-Submitted", "auto-generated")  # RFC 3834: no vacation auto-replies to the sender
    footer = unsubscribe_note(d.subscription, operator, recipient)
    msg.set_content(render_text(d, footer=footer))
    has_chart = bool(d.chart_png and d.lines)
    msg.add_alternative(render_html(d, image_src=f"cid:{CHART_CID}" if has_chart else "", footer=footer,
                                    unsubscribe=unsubscribe_address(d.subscription, operator, recipient)[1:-1]),
                        subtype="html")
    if has_chart:
        html_part = msg.get_payload()[1]
        html_part.add_related(d.chart_png, maintype="image", subtype="png", cid=f"<{CHART_CID}>",
                              filename="trend-chart.png", disposition="inline")
        # the email package cuts base64 at the policy's line length (998 here, for the headers above); RFC 2045
        # wants at most 76 characters a line
        html_part.get_payload()[-1].set_payload(base64.encodebytes(d.chart_png).decode("ascii"))
    return msg
