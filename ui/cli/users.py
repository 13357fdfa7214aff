"""`trendscope users ...`: the built-in accounts of a lab server (admin only), and `passwd` for oneself.

Passwords are read from standard input when it is not a terminal (one line: `echo "$PW" | trendscope users add
ana --email ana@lab.example`), else asked twice without echo. They are never taken as arguments (which other
users could read in the process list) and never printed.
"""
from __future__ import annotations

import json
import sys

import click

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import count
from trendscope.ingest.store import open_database

from .options import confirm, json_option


def _accounts(ctx: click.Context):
    from trendscope.accounts.users import Accounts

    return Accounts(open_database(ctx.find_root().obj.home.db_path))


def _actor(ctx: click.Context):
    return ctx.find_root().obj.actor


def _oidc_configured(ctx: click.Context) -> bool:
    """Whether secrets.toml names an identity provider (a bad file counts as none here: `serve` says why)."""
    from trendscope.accounts.sign_in_config import read_oidc_settings

    try:
        return read_oidc_settings(ctx.find_root().obj.home.secrets_path) is not None
    except TrendscopeError:
        return False


def read_password(prompt: str = "Password") -> str:
    """One line from standard input when it is not a terminal, else asked twice without echo."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise TrendscopeError("no password on standard input (give one line, or run in a terminal)")
        return line.rstrip("\r\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@click.group("users", invoke_without_command=True)
@json_option("Print the users as JSON.")
@click.pass_context
def users_group(ctx: click.Context, as_json: bool) -> None:
    """(Admin only) The accounts that may sign in to the app; alone it lists them.

    With at least one password set, the app asks everyone to sign in. Accounts for OpenID Connect sign-in need
    only the email their identity provider gives (docs/accounts.md).

    \b
    Examples:
      trendscope users add ana --email ana@lab.example        # asks for her password
      echo "$PW" | trendscope users add bo --email bo@lab.example --admin
      trendscope users
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_cmd, as_json=as_json)


@users_group.command("add")
@click.argument("name")
@click.option("--email", default=None, metavar="ADDRESS", help="Their email (how OpenID Connect sign-in finds them).")
@click.option("--admin", is_flag=True, help="May manage users and lab-wide subscriptions.")
@click.option("--no-password", is_flag=True, help="No password: they sign in through the identity provider only.")
@click.pass_context
def add_cmd(ctx: click.Context, name: str, email: str | None, admin: bool, no_password: bool) -> None:
    """(Admin only) Add the account NAME; its password comes from standard input or a hidden prompt.

    \b
    Examples:
      trendscope users add ana --email ana@lab.example
      trendscope users add carla --email carla@lab.example --no-password
    """
    actor = _actor(ctx)
    actor.require_admin("adding users")
    accounts = _accounts(ctx)
    accounts.check_new(name, email)  # before the password prompt
    password = None if no_password else read_password(f"Password for {name}")
    first_password = password is not None and not accounts.password_sign_in_configured()
    user = accounts.add(name, email=email, password=password, admin=admin, by=actor)
    how = "password" if user.password else "identity provider only"
    click.echo(f"Added user {user.name!r}{' (admin)' if user.admin else ''}: signs in with {how}.")
    _earlier_data_note(accounts.store.db, user.name)
    # what an account changes for sign-in was not said (a blind walkthrough)
    if first_password:
        me = next((u for u in accounts.users() if u.name == actor.name), None)
        click.echo("note: the first password account: the app now asks everyone to sign in"
                   + (f"; {actor.name!r} has no password yet (`trendscope users passwd {actor.name}`)"
                      if me is not None and not me.password else ""), err=True)
    if not user.password and user.email and not _oidc_configured(ctx):
        click.echo(f"note: no identity provider is configured ([auth] in secrets.toml), so {user.name!r} cannot "
                   f"sign in to the app until one is (or give them a password: `trendscope users passwd "
                   f"{user.name}`)", err=True)
    if not user.password and not user.email:
        click.echo(f"note: {user.name!r} has neither a password nor an email, so cannot sign in to the app (give "
                   f"them a password: `trendscope users passwd {user.name}`); the CLI can still act as them with "
                   "--user", err=True)


def _earlier_data_note(db, name: str) -> None:
    """What a removed account of the same name left, which the new account now holds: a re-added name got another
    person's private lists, notes and shares without a word (a blind walkthrough)."""
    from trendscope.digest.api import owned_count as subscriptions_of
    from trendscope.reading.lists import ReadingLists

    rl = ReadingLists(db)
    lists, subs, shared = rl.owned_count(name), subscriptions_of(db, name), rl.shared_with_count(name)
    marks = rl.marks.owned_count(name)  # passage notes and thumbs, as `ReadingLists.holds_data` counts them
    if lists or subs or shared or marks:
        held = ", ".join(x for x in (count(lists, "reading list") if lists else "",
                                     count(subs, "subscription") if subs else "",
                                     f"{count(shared, 'list')} others share with the name" if shared else "",
                                     f"{count(marks, 'passage note or thumb', 'passage notes and thumbs')}"
                                     if marks else "") if x)
        # the feeds resume at their old addresses: said, since a former member's feed reader reads them again (a
        # blind security review)
        feeds = (", and the subscriptions' Atom feeds answer again at their old addresses (`trendscope --user "
                 f"{name} subscriptions new-feed-address NAME` gives one a new address)") if subs else ""
        click.echo(f"note: an earlier account named {name!r} left {held}: this account holds them now{feeds}. If it "
                   f"is someone else, remove it again and choose another name, or delete them first (`trendscope "
                   f"--user {name} lists`, `trendscope --user {name} subscriptions`)", err=True)


@users_group.command("list")
@json_option()
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """(Admin only) Show every account.

    \b
    Example:
      trendscope users list --json
    """
    _actor(ctx).require_admin("listing users")
    users = _accounts(ctx).users()
    if as_json:
        click.echo(json.dumps([u.__dict__ for u in users], indent=2))
        return
    for u in users:
        flags = ", ".join(f for f in ("admin" if u.admin else "", "password" if u.password else "no password") if f)
        click.echo(f"{u.name}  {u.email or '-'}  ({flags})  since {u.created[:10]}")


@users_group.command("remove")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def remove_cmd(ctx: click.Context, name: str, yes: bool) -> None:
    """(Admin only) Remove the account NAME and end its sessions.

    Its reading lists, notes and subscriptions stay stored under the name (the weekly run neither builds nor
    mails them); adding the name again gives them back. Its email address is barred from `[auth] oidc_domains`
    sign-in until an admin gives it an account again.

    \b
    Example:
      trendscope users remove bo --yes
    """
    from trendscope.digest.api import owned_count as subscriptions_of
    from trendscope.reading.lists import ReadingLists

    actor = _actor(ctx)
    actor.require_admin("removing users")
    accounts = _accounts(ctx)
    user = accounts.removable(name, by=actor)
    db = accounts.store.db
    lists, subs = ReadingLists(db).owned_count(user.name), subscriptions_of(db, user.name)
    if not yes:
        confirm(f"Remove user {user.name!r} ({count(lists, 'reading list')}, {count(subs, 'subscription')} "
                "kept)?", "nothing removed")
    email = (accounts.get(user.name).email or "") if accounts.get(user.name) else ""
    accounts.remove(user.name, by=actor)
    click.echo(f"Removed user {user.name!r}; their {count(lists, 'reading list')} and "
               f"{count(subs, 'subscription')} stay stored.")
    if email:
        from trendscope.digest.api import mailing

        others = mailing(db, email, besides=user.name)
        if others:
            click.echo(f"note: {email} still gets {count(len(others), 'other subscription')}: "
                       + ", ".join(s.command_name for s in others) + " (remove it from each with `trendscope "
                       "subscriptions unsubscribe NAME " + email + "`)", err=True)


@users_group.command("passwd")
@click.argument("name", required=False)
@click.option("--clear", is_flag=True, help="Remove the password (identity-provider sign-in only).")
@click.pass_context
def passwd_cmd(ctx: click.Context, name: str | None, clear: bool) -> None:
    """Set the password of NAME (default: yourself, `--user`); other users' only as an admin.

    Every session signed in with the old password ends.

    \b
    Examples:
      trendscope users passwd ana
      echo "$NEW" | trendscope --user ana users passwd
    """
    actor = _actor(ctx)
    target = (name or actor.name).strip().lower()
    if target != actor.name:
        actor.require_admin("setting another user's password")
    accounts = _accounts(ctx)
    accounts.actor(target)
    had = next((u.password for u in accounts.users() if u.name == target), False)
    if clear and not had:
        click.echo(f"{target!r} has no password: nothing to remove.")
        return
    accounts.set_password(target, None if clear else read_password(f"New password for {target}"), by=actor)
    click.echo(f"Password of {target!r} {'removed' if clear else 'changed'}; their sessions ended.")


@users_group.command("admin")
@click.argument("name")
@click.option("--off", is_flag=True, help="Take admin rights away instead.")
@click.pass_context
def admin_cmd(ctx: click.Context, name: str, off: bool) -> None:
    """(Admin only) Make NAME an admin (or, with --off, no longer one; the last admin stays).

    \b
    Example:
      trendscope users admin ana
    """
    actor = _actor(ctx)
    actor.require_admin("changing who is admin")
    _accounts(ctx).set_admin(name, not off, by=actor)
    who = name.strip().lower()
    click.echo(f"{who!r} is {'no longer' if off else 'now'} an admin.")
    if off and who == actor.name:  # the operator's own commands then failed, with no word why (a walkthrough)
        others = [u.name for u in _accounts(ctx).users() if u.admin]
        click.echo(f"note: the CLI acts as {who!r} unless --user names another account: `users`, `digest --send` "
                   f"and `schedule` with digests now need --user {others[0] if others else 'ADMIN'}", err=True)


def register(group: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    group.add_command(users_group)
