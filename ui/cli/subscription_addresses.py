"""`trendscope subscriptions add-email / confirm / unsubscribe`: who gets a subscription's mail. Addresses typed
in the app or by a user wait for an admin's confirmation; an unsubscribe request (a mail with the token in its
subject) is carried out by the operator. Registered on the `subscriptions` group (`subscriptions.py`)."""
from __future__ import annotations

import click

from trendscope.foundation.address import split_addresses
from trendscope.foundation.wording import quoted

from .options import confirm
from .subscriptions import acting_user, no_mail_server_note, open_db, subscriptions_group


@subscriptions_group.command("add-email")
@click.argument("name")
@click.argument("emails", nargs=-1, required=True, metavar="EMAIL...")
@click.pass_context
def add_email_cmd(ctx: click.Context, name: str, emails: tuple[str, ...]) -> None:
    """Add addresses to subscription NAME; it keeps its name, List-Id, feed and what it has sent.

    An admin's addresses are mailed from the next weekly run; a non-admin's wait for `subscriptions confirm`
    (but their own account address). Removing and adding the subscription again instead gave it a new List-Id
    and feed file and mailed its last week again.

    \b
    Example:
      trendscope subscriptions add-email "efficiency weekly" ben@lab.example carla@lab.example
    """
    from trendscope.digest.api import add_addresses

    actor = acting_user(ctx)
    emails = split_addresses(emails)
    sub, added = add_addresses(open_db(ctx), name, emails, user=actor, confirmed=actor.admin)
    held = [e for e in emails if e.lower() not in {a.lower() for a in added}]
    if added:
        waiting = [a for a in added if a.lower() in {p.lower() for p in sub.pending}]
        click.echo(f"Added {', '.join(added)} to {quoted(sub.command_name)}"
                   + (f"; {', '.join(waiting)} wait{'s' if len(waiting) == 1 else ''} for `trendscope subscriptions "
                      f"confirm`." if waiting else ": mailed from the next weekly run."))
    if held:
        click.echo(f"Already an address of {quoted(sub.command_name)}: {', '.join(held)}")
    if added:
        no_mail_server_note(ctx)


@subscriptions_group.command("confirm")
@click.argument("name")
@click.argument("email", required=False)
@click.option("--yes", "-y", is_flag=True, help="Confirm every unconfirmed address without asking.")
@click.pass_context
def confirm_cmd(ctx: click.Context, name: str, email: str | None, yes: bool) -> None:
    """(Admin only) Confirm the unconfirmed addresses of subscription NAME (or only EMAIL) for mailing.

    Addresses typed into the app's new-subscription form, or given to `subscriptions add --email` by a
    non-admin, wait for this; an admin's are confirmed already. Another user's subscription is `owner/NAME`.
    Without EMAIL the unconfirmed addresses are listed and confirmed together after you answer yes (`--yes`
    skips the question).

    \b
    Examples:
      trendscope subscriptions confirm "efficiency weekly" colleague@example.org
      trendscope subscriptions confirm "efficiency weekly"
    """
    from trendscope.digest.api import confirm_addresses, pending_addresses

    db, actor = open_db(ctx), acting_user(ctx)
    if email is None and not yes and (waiting := pending_addresses(db, name, user=actor)):
        # an admin confirmed every address a user had typed in at once, without seeing them (a blind walkthrough)
        click.echo(f"Unconfirmed addresses of {quoted(name)}: {', '.join(waiting)}")
        confirm(f"Mail {'it' if len(waiting) == 1 else f'all {len(waiting)}'} from the next weekly run?",
                "nothing confirmed")
    done = confirm_addresses(db, name, email, user=actor)
    if done:
        click.echo(f"Confirmed {', '.join(done)} for {quoted(name)}: mailed from the next weekly run.")
        no_mail_server_note(ctx)
    else:
        click.echo(f"Nothing to confirm: no unconfirmed address{' ' + email if email else ''} in {quoted(name)}.")


@subscriptions_group.command("unsubscribe")
@click.argument("token")
@click.argument("email", required=False)
@click.pass_context
def unsubscribe_cmd(ctx: click.Context, token: str, email: str | None) -> None:
    """Remove the address whose unsubscribe TOKEN is given from its subscription; the subscription stays.

    Each digest mail carries a List-Unsubscribe header and a footer asking its reader to mail the operator with
    the subject "unsubscribe TOKEN". The token is that recipient's own: run this with it, and the address it
    was made for is removed (give EMAIL too to check it is that one). The subscription's token (in mails of
    earlier versions) or its name needs EMAIL.

    \b
    Examples:
      trendscope subscriptions unsubscribe 9b0d2f4c6a1e3857
      trendscope subscriptions unsubscribe vision reader@example.org
    """
    from trendscope.digest.api import unsubscribe

    sub, address = unsubscribe(open_db(ctx), token, email, user=acting_user(ctx))
    click.echo(f"Removed {address} from {quoted(sub.command_name)}.")
