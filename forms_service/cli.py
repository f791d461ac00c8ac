"""The `forms-service` command: serve, worker, database and account administration, pack verification."""
from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import click

from .register.marks import CODE_SETS, DEFAULT_CODE_SET

# The application's modules (Flask, the models, the database) are imported inside the commands that use
# them (ARCHITECTURE.md allows it for exactly this): `forms-service screen` needs none of them, and importing
# them cost 0.65 s of its 2.5 s (issue 25).


def _app():
    from . import create_app

    return create_app()


@click.group(help=__doc__)
def main() -> None:
    pass


@main.command("db-upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the current schema."""
    from .database import upgrade
    app = _app()
    upgrade(app)
    click.echo("Database is up to date.")


@main.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", 5000)), type=int, show_default="5000 or $PORT")
@click.option("--threads", default=8, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Run the service (waitress) with the delivery worker in-process.

    In demo mode (DEMO_MODE=1) it also creates the demo users, and when SMTP_URL is not set it
    starts a local SMTP sink that keeps every message under var/mail so sent packs can be seen.
    """
    from sqlalchemy.engine import make_url
    from waitress import create_server

    from .access.accounts import create_demo_data
    from .background import runner
    from .database import upgrade
    from .delivery.outbox import start_background_worker
    from .delivery.smtp_sink import start_sink
    from .reminders.daily import DailyDigests

    app = _app()
    upgrade(app)
    sink_dir = None
    if not app.config["SMTP_URL"]:
        sink_dir = Path(app.config["STORAGE_DIR"]).parent / "mail"
        sink_port = int(os.environ.get("SMTP_SINK_PORT", 8025))
        start_sink("127.0.0.1", sink_port, sink_dir)
        app.config["SMTP_URL"] = f"smtp://127.0.0.1:{sink_port}"
    password = os.environ.get("DEMO_PASSWORD", "demo-password-2026")
    if app.config["DEMO_MODE"]:
        with app.app_context():
            create_demo_data(password, app.config["LA_INBOX"], app.config["POLICY_PROFILE"])
    start_background_worker(app, after_round=DailyDigests(app))
    runner.start(app)  # jobs a web process left waiting when it stopped (if JOBS_IN_WEB)
    server = create_server(app, host=host, port=port, threads=threads)
    url = f"http://{host}:{server.effective_port}/"
    click.echo(f"\nForms service running at {url}")
    # Never the password in a DATABASE_URL (terminals and service logs keep what is printed).
    click.echo(f"Database: {make_url(app.config['SQLALCHEMY_DATABASE_URI']).render_as_string(hide_password=True)}")
    click.echo(f"Mail: {app.config['SMTP_URL']}" + (f" (local sink; messages kept in {sink_dir})" if sink_dir else ""))
    click.echo(f"LA inbox: {app.config['LA_INBOX']}")
    if app.config["DEMO_MODE"]:
        from .access.accounts import DEMO_USERS
        click.echo(f"\nDemo logins (password: {password}):")
        for email, role, name, school in DEMO_USERS:
            click.echo(f"  {email:<22} {role:<12} {school or 'Demo Local Authority'}")
        required = app.config["MFA_REQUIRED_ROLES"]
        if required:
            # The one authenticator secret every demo user of those roles is enrolled with (access/accounts.py).
            click.echo(f"\nSecond factor for {', '.join(required)}: add this key to an authenticator app "
                       f"(time-based): {app.config['DEMO_TOTP_SECRET']}")
    click.echo("\nPress Ctrl+C to stop.", nl=True)
    def stop(*_):
        # Leave server.run() as Ctrl+C does; closing the sockets from here, while the loop is
        # waiting on them, would end in "Bad file descriptor".
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


@main.command()
@click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
def worker(once: bool) -> None:
    """Deliver queued mail from the outbox, run long jobs (letters in bulk, LA screens: one at a time, each claimed
    once by one worker), and each day from DIGEST_HOUR make the schools' daily digests (unless DIGEST_HOUR=off:
    then `forms-service digest`). Run any number, on any machine sharing the database and storage; with workers
    running, JOBS_IN_WEB=off keeps long jobs out of the web processes."""
    from .background import runner
    from .delivery.outbox import deliver_due, run_worker, worker_app
    from .reminders.daily import DailyDigests

    app = worker_app()  # configuration and database only: it starts in a fraction of the time
    if not app.config["SMTP_URL"]:
        raise click.UsageError("Set SMTP_URL, e.g. smtp://mail.example.org:25")
    watchdog = app.config["WORKER_WATCHDOG_SECONDS"]
    # faulthandler writes only "Timeout (h:mm:ss)!" and the tracebacks, and nothing can be added to them:
    # what they mean is said once here, on the same stream. A run from cron or a timer is watched too:
    # one stuck for ever would hold its claims and pile up behind the next runs.
    click.echo(f"outbox worker: if one step (claiming mail, or sending one message and recording it) is not "
               f"done within {watchdog:g} s (the database or the mail server not answering), a 'Timeout' "
               f"traceback of every thread follows here and the worker exits with status 1"
               f"{'' if once else ' so that its supervisor restarts it'}; its claims expire and the "
               f"messages are retried.", err=True)
    if once:
        with app.app_context():
            click.echo(f"Delivered {deliver_due(watchdog=watchdog)} message(s).")
        click.echo(f"Ran {runner.run_due(app)} job(s).")
        return
    jobs_thread, jobs_stop = runner.start_worker_thread(app)

    def stop_all(*_):
        stop.set()
        jobs_stop.set()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    click.echo("Worker running; SIGTERM or Ctrl+C stops it after the current message and job (a job cut short by "
               "SIGKILL is taken over by another worker once its claim runs out).")
    run_worker(app, stop, app.config["WORKER_POLL_SECONDS"], watchdog=watchdog, after_round=DailyDigests(app))
    jobs_thread.join()


@main.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day (YYYY-MM-DD) whose digests to make; "
              "default: today in England")
def digest(day) -> None:
    """Make the schools' daily digests (README, "Reminders"): to each school's attendance contact, what falls due
    in the next 7 days and what is overdue, queued in the outbox for the worker to send. Once per school and
    day: run again, or alongside a worker, it makes only those not yet made. For cron, with DIGEST_HOUR=off."""
    from .formatting import local_today
    from .reminders.digest import make_digests

    app = _app()
    with app.app_context():
        report = make_digests(day.date() if day else local_today())
    for line in report.lines():
        click.echo(line)


@main.command("smtp-sink")
@click.option("--port", default=8025, type=int)
@click.option("--dir", "directory", default="var/mail", type=click.Path(file_okay=False))
def smtp_sink(port: int, directory: str) -> None:
    """A local SMTP server on 127.0.0.1 that keeps every message as an .eml file."""
    from .delivery.smtp_sink import start_sink

    controller = start_sink("127.0.0.1", port, Path(directory))
    click.echo(f"SMTP sink on 127.0.0.1:{port}, keeping messages in {directory}. Ctrl+C stops it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        controller.stop()


def _name_option(value: str, what: str, hint: str = "--name") -> str:
    """--name checked as the admin pages check a name (forms_service/text.py), before anything is opened."""
    from .text import BadName, clean_name
    try:
        return clean_name(value, what)
    except BadName as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


@main.command("create-la")
@click.option("--name", required=True)
@click.option("--inbox", required=True, help="The LA's legal-interventions address")
@click.option("--profile", default="national-2024", show_default=True)
def create_la(name: str, inbox: str, profile: str) -> None:
    """Add a local authority."""
    from .access.accounts import get_or_create_la
    from .models import db
    from .policies import list_profiles

    if profile not in list_profiles():
        raise click.BadParameter(f"choose one of {', '.join(list_profiles())}", param_hint="--profile")
    name = _name_option(name, "the local authority's name")
    app = _app()
    with app.app_context():
        la = get_or_create_la(name, inbox, profile)
        db.session.commit()
        click.echo(f"Local authority {la.name} (id {la.id})")


@main.command("update-la")
@click.option("--name", required=True, help="The local authority, as created")
@click.option("--address", help="Address for payment and correspondence; '\\n' or new lines between lines")
@click.option("--telephone")
@click.option("--email", "contact_email", help="Email for correspondence about notices")
@click.option("--payment-method", "payment_methods", multiple=True,
              help="One way to pay a penalty notice (repeat for each)")
def update_la(name: str, address, telephone, contact_email, payment_methods) -> None:
    """Set what the LA's notices state: its address, telephone, email and how to pay (Education (Penalty
    Notices) (England) Regulations 2007, reg. 3(f) and (g))."""
    from .access.accounts import set_la_details
    from .models import LocalAuthority, db

    app = _app()
    with app.app_context():
        la = db.session.scalar(db.select(LocalAuthority).filter_by(name=" ".join(name.split())))
        if la is None:
            raise click.BadParameter("no local authority has that name", param_hint="--name")
        set_la_details(la, address=address.replace("\\n", "\n") if address else None, telephone=telephone,
                       contact_email=contact_email,
                       payment_methods="\n".join(payment_methods) if payment_methods else None)
        db.session.commit()
        missing = [k for k in ("address", "payment_methods") if not getattr(la, k)]
        click.echo(f"Local authority {la.name}: details saved"
                   + (f" (still missing: {', '.join(missing)})" if missing else ""))


@main.command("create-school")
@click.option("--name", required=True)
@click.option("--la", "la_name", required=True, help="The local authority's name")
@click.option("--address", help="The letterhead's postal address; '\\n' or new lines between lines")
@click.option("--telephone", help="The letterhead's telephone number")
@click.option("--email", help="The letterhead's email address for parents")
@click.option("--headteacher", "headteacher_name", help="The headteacher's name, as the letterhead prints it")
@click.option("--logo", type=click.Path(dir_okay=False, exists=True), help="A PNG, JPEG or SVG file of the school's logo")
def create_school(name: str, la_name: str, address, telephone, email, headteacher_name, logo) -> None:
    """Add a school to a local authority, or set the letterhead of one already added: what is given
    replaces what it had, what is not given stays."""
    import re

    from . import logos
    from .access.accounts import (ADDRESS_MAX_CHARS, ADDRESS_MAX_LINES, TELEPHONE_PATTERN, address_lines,
                                  get_or_create_school)
    from .models import LocalAuthority, db
    from .web.fields import EMAIL_PATTERN

    name = _name_option(name, "the school's name")
    letterhead = {}
    if address is not None:
        letterhead["address"] = address_lines(address) or None
        if letterhead["address"] and (len(letterhead["address"]) > ADDRESS_MAX_CHARS
                                      or letterhead["address"].count("\n") >= ADDRESS_MAX_LINES):
            raise click.BadParameter(f"at most {ADDRESS_MAX_LINES} lines and {ADDRESS_MAX_CHARS} characters",
                                     param_hint="--address")
    if telephone is not None:
        letterhead["telephone"] = telephone.strip() or None
        if letterhead["telephone"] and not re.match(TELEPHONE_PATTERN, letterhead["telephone"]):
            raise click.BadParameter("enter a telephone number, like 01632 960 001", param_hint="--telephone")
    if email is not None:
        letterhead["email"] = email.strip() or None
        if letterhead["email"] and (len(letterhead["email"]) > 320 or not re.match(EMAIL_PATTERN, letterhead["email"])):
            raise click.BadParameter("enter an email address, like office@school.example.org", param_hint="--email")
    if headteacher_name is not None:
        letterhead["headteacher_name"] = (_name_option(headteacher_name, "the headteacher's name", "--headteacher")
                                          if headteacher_name.strip() else None)
    if logo is not None:
        try:
            with open(logo, "rb") as handle:
                letterhead["logo"], letterhead["logo_type"] = logos.check(handle.read(logos.MAX_BYTES + 1))
        except logos.LogoError as exc:
            raise click.BadParameter(str(exc), param_hint="--logo") from None
    app = _app()
    with app.app_context():
        la = db.session.scalar(db.select(LocalAuthority).filter_by(name=la_name))
        if la is None:
            raise click.BadParameter(f"no local authority called {la_name!r}", param_hint="--la")
        school = get_or_create_school(name, la)
        for key, value in letterhead.items():
            setattr(school, key, value)
        db.session.commit()
        click.echo(f"School {school.name} (id {school.id}) in {la.name}"
                   + (f": letterhead set ({', '.join(k for k in letterhead if k != 'logo_type')})" if letterhead else ""))


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["office", "headteacher", "la_officer", "admin"]))
@click.option("--school", "school_name", help="For office and headteacher users")
@click.option("--la", "la_name", help="For la_officer and admin users")
@click.password_option(envvar="NEW_USER_PASSWORD")
def create_user_command(email, name, role, school_name, la_name, password) -> None:
    """Add a user (the first admin, or anyone). The password is asked for, or read from NEW_USER_PASSWORD."""
    from .access.accounts import create_user
    from .models import LocalAuthority, School, db
    name = _name_option(name, "the user's full name")
    app = _app()
    with app.app_context():
        school = db.session.scalar(db.select(School).filter_by(name=school_name)) if school_name else None
        la = db.session.scalar(db.select(LocalAuthority).filter_by(name=la_name)) if la_name else None
        if school_name and school is None:
            raise click.BadParameter(f"no school called {school_name!r}", param_hint="--school")
        if la_name and la is None:
            raise click.BadParameter(f"no local authority called {la_name!r}", param_hint="--la")
        try:
            user = create_user(email, password, role, name, school=school, la=la)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        db.session.commit()
        click.echo(f"User {user.email} ({user.role}) created.")


@main.command()
@click.argument("reference")
@click.option("--all-versions", is_flag=True, help="Check every signed version, not only the latest.")
def verify(reference: str, all_versions: bool) -> None:
    """Check that a referral's signed pack is unchanged: recompute the SHA-256 of every stored file
    and of the manifest, check that the manifest lists exactly the pack's files, and validate the merged
    PDF's signature (intact, covering the whole file, by the published signing certificate).

    Exit status: 0 all match, 1 something changed or is missing, 2 unknown reference or nothing signed.
    """
    from .audit import record
    from .models import db
    from .referrals import verify as checks

    app = _app()
    with app.app_context():
        try:
            referral = checks.find_referral(reference)
        except checks.UnknownReference as exc:
            click.echo(str(exc), err=True)
            raise SystemExit(2) from None
        if not referral.packs:
            click.echo(f"{referral.reference} has not been signed: there is no pack to verify "
                       f"(status {referral.status}).", err=True)
            raise SystemExit(2)
        report = checks.verify(referral, all_versions=all_versions)
        for pack in report.packs:
            click.echo(f"{report.reference} version {pack.version}, signed by {pack.signed_name} "
                       + (f"with the account {pack.signed_by} " if pack.signed_by else "")
                       + f"at {pack.signed_at:%Y-%m-%d %H:%M} UTC")
            width = max(len(f.name) for f in pack.files) if pack.files else 0
            for item in pack.files:
                line = f"  {item.status:<10} {item.name:<{width}}  sha256 {item.expected_sha256}"
                if item.status == checks.CHANGED:
                    line += f"\n  {'':<10} {'':<{width}}  now   {item.actual_sha256}"
                if item.note and item.status != checks.OK:
                    line += f"\n  {'':<10} {item.note}"
                click.echo(line)
            if pack.manifest_problems:
                for problem in pack.manifest_problems:
                    click.echo(f"  MANIFEST   {problem}")
            else:
                click.echo(f"  MANIFEST   OK: lists exactly the pack's {len(pack.files) - 1} other files "
                           "with their SHA-256")
            if pack.seal_problems:
                for problem in pack.seal_problems:
                    click.echo(f"  SEAL       FAILED: {problem}")
            elif pack.seal:
                click.echo(f"  SEAL       OK: the merged PDF's signature is {pack.seal}")
            for note in pack.notes:
                click.echo(f"  note: {note}")
        if report.versions_not_checked:
            click.echo(f"Not checked: version(s) {', '.join(map(str, report.versions_not_checked))} "
                       "(use --all-versions).")
        if report.ok:
            click.echo(f"{report.reference}: unchanged. Every file matches what was signed.")
        else:
            click.echo(f"{report.reference}: CHANGED. {len(report.problems())} problem(s):")
            for problem in report.problems():
                click.echo(f"  - {problem}")
        # The check itself goes on the referral's trail (who ran it and what it found).
        record("pack_verified", referral=referral, actor=f"forms-service verify ({_os_user()})",
               detail={"versions": [p.version for p in report.packs], "ok": report.ok,
                       "problems": report.problems()[:50]})
        db.session.commit()
    raise SystemExit(0 if report.ok else 1)


@main.command()
@click.option("--dry-run", is_flag=True, help="Only count what would be removed; change nothing.")
def purge(dry_run: bool) -> None:
    """Remove records past their retention period (README, "Data protection"): referrals, letters and
    plans with their evidence, signed packs, LA decisions, emails and audit events, files included;
    clear the text of emails delivered long ago. Prints counts only, never names; the counts are kept
    as a `retention_purged` audit event."""
    from .records import retention
    from .storage import StorageError

    app = _app()
    with app.app_context():
        try:
            report = retention.purge(dry_run=dry_run, actor=f"forms-service purge ({_os_user()})")
        except StorageError as exc:  # listing or reading the storage failed: that is before any change
            raise click.ClickException(f"The storage could not be read ({exc}); nothing was removed. "
                                       "Run purge again later.") from None
        for line in report.lines():
            click.echo(line)
    raise SystemExit(1 if report.file_errors else 0)


@main.command("export-pupil")
@click.option("--la", "la_name", required=True, help="The local authority whose records are searched")
@click.option("--upn", help="The pupil's unique pupil number")
@click.option("--first-name")
@click.option("--last-name")
@click.option("--date-of-birth", help="YYYY-MM-DD")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip file to write")
def export_pupil(la_name, upn, first_name, last_name, date_of_birth, out: Path) -> None:
    """Subject access: write everything held about one pupil in an LA's records to a zip (by UPN, or by
    first name, last name and date of birth). The export is recorded in the audit trail."""
    from .models import LocalAuthority, db
    from .records import subject_access
    from .storage import StorageError

    app = _app()
    with app.app_context():
        la = db.session.scalar(db.select(LocalAuthority).filter_by(name=la_name))
        if la is None:
            raise click.BadParameter(f"no local authority called {la_name!r}", param_hint="--la")
        try:
            result = subject_access.export(la, upn=upn, first_name=first_name, last_name=last_name,
                                           date_of_birth=date_of_birth,
                                           actor=f"forms-service export-pupil ({_os_user()})")
        except subject_access.CriteriaError as exc:
            raise click.UsageError(str(exc)) from exc
        except StorageError as exc:
            raise click.ClickException(f"The stored files could not be read ({exc}); nothing was written. "
                                       "Try again later.") from None
        out.write_bytes(result.data)
        db.session.commit()
        click.echo(f"Wrote {out}: {result.records} record(s).")


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


@main.command()
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--code-set", default=DEFAULT_CODE_SET, type=click.Choice(CODE_SETS), show_default=True)
@click.option("--profile", default=lambda: os.environ.get("POLICY_PROFILE", "national-2024"),
              show_default="national-2024 or $POLICY_PROFILE", help="The LA's policy profile (thresholds); with --la, "
              "the LA's own")
@click.option("--la", "la_name", help="Screen a whole LA's file, or a folder of files, for this local authority: each "
              "school by the file's school column (URN or DfE number) or the file's name, each pupil with what the "
              "service holds for them")
@click.option("--on", "on_date", type=click.DateTime(["%Y-%m-%d"]), help="Screen as of this date (default: the "
              "last date in the file)")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the list as CSV")
@click.option("--workers", type=int, help="Processes to share the work for a file the columnar engine leaves to the "
              "reader (a grid, a workbook; default: one per core, up to 4)")
@click.option("--engine", default="columnar", type=click.Choice(["columnar", "python"]), show_default=True,
              help="python: the reader and today's rules, the reference the columnar engine is tested against")
def screen(file: Path, code_set: str, profile: str, la_name: str | None, on_date, csv_out: Path | None,
           workers: int | None, engine: str) -> None:
    """Screen a whole-school register export (CSV: upn,date,session,code), or with --la a whole LA's (a school
    column, or a folder of files): every pupil who meets the penalty-notice threshold, is persistently or severely
    absent, is due an attendance or sickness return, or is in one of the profile's attendance bands (e.g. the
    trust's "below 96%" under --profile peterborough), with the figures."""
    from .policies import list_profiles, load_profile
    from .register import screening
    from .register.marks import RegisterError

    if la_name:
        return _screen_la(file, la_name, code_set, on_date.date() if on_date else None, csv_out)
    if file.is_dir():
        raise click.BadParameter("a folder is screened for a local authority: give --la", param_hint="FILE")
    if profile not in list_profiles():
        raise click.BadParameter(f"choose one of {', '.join(list_profiles())}", param_hint="--profile")
    try:  # the path, not its bytes: the columnar engine maps the file rather than copying it
        result = screening.screen_file(file, load_profile(profile), code_set=code_set,
                                       on=on_date.date() if on_date else None, workers=workers, engine=engine)
    except RegisterError as exc:
        for message in exc.messages[:20]:
            click.echo(message, err=True)
        raise SystemExit(2) from None
    click.echo(screening.summary(result))
    click.echo(screening.table(result))
    if csv_out:
        csv_out.write_text(screening.to_csv(result), encoding="utf-8")
        click.echo(f"Wrote {len(result.rows)} rows to {csv_out}")


def _screen_la(path: Path, la_name: str, code_set: str, on, csv_out: Path | None) -> None:
    from .audit import record
    from .cases import la_screen
    from .models import LocalAuthority, db
    from .policies import load_profile
    from .register import screening
    from .register.marks import RegisterError

    app = _app()
    with app.app_context():
        la = db.session.scalar(db.select(LocalAuthority).filter_by(name=" ".join(la_name.split())))
        if la is None:
            raise click.BadParameter(f"there is no local authority called {la_name}", param_hint="--la")
        profile = load_profile(la.policy_profile or app.config["POLICY_PROFILE"])
        sources = la_screen.sources_in(path)
        try:
            result = la_screen.screen_la(sources, la, profile, code_set=code_set, on=on)
        except RegisterError as exc:
            for message in exc.messages[:20]:
                click.echo(message, err=True)
            raise SystemExit(2) from None
        # Who screened how much, never a pupil (the command line's operator: the OS user, as `purge` records).
        record("la_screened", actor=f"forms-service screen ({_os_user()})",
               detail={"la_id": la.id, "files": len(sources), "pupils": result.pupils, "listed": len(result.rows),
                       "on": result.on.isoformat(), "unknown_schools": len(result.unknown), "via": "command line"})
        db.session.commit()  # the schools are read again below, in this context
        click.echo(la_screen.summary(result))
        labels = result.band_labels()
        for listed in result.rows[:200]:
            r = listed.row
            click.echo(f"{listed.school.name}  {r.upn}  {r.attendance_pct if r.attendance_pct is not None else '-'}%  "
                       + "; ".join([screening.SHORT[f] for f in r.flags] + [labels[b] for b in r.bands])
                       + f"  [{listed.held.words()}]")
        if len(result.rows) > 200:
            click.echo(f"... and {len(result.rows) - 200} more (--csv writes them all)")
        if csv_out:
            csv_out.write_text(la_screen.to_csv(result), encoding="utf-8")
            click.echo(f"Wrote {len(result.rows)} rows to {csv_out}")


@main.command("make-register")
@click.option("--pupils", type=click.IntRange(min=1), default=1500, show_default=True)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="The last day written (YYYY-MM-DD); the school year is the one it falls in")
@click.option("--seed", type=int, default=2026, show_default=True, help="The same seed gives the same file")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--pupil-details", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write upn,first_name,last_name,date_of_birth,year_group,parent_name")
def make_register(pupils: int, until, seed: int, out: Path, pupil_details: Path | None) -> None:
    """Write a synthetic whole-school register (nobody in it is real), for demonstrations and screening."""
    from .register import synthetic
    synthetic.write(out, pupils, until.date(), seed, details_out=pupil_details)
    click.echo(f"Wrote {pupils} pupils' marks to {out}" + (f" and their details to {pupil_details}" if pupil_details else ""))


OPTION_OF = {"slot_minutes": "--slot-minutes", "filter": "--below/--band/--meets-penalty-threshold/--persistent/--severe"}


@main.command("bulk-letters")
@click.option("--register", "register_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The school's register export (CSV: upn,date,session,code), as `screen` reads it")
@click.option("--pupils", "pupils_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The pupils file (CSV, one row a pupil: upn, first_name, last_name, date_of_birth, year_group, "
                   "address, parent1_name, parent1_relationship, parent1_address, parent2_..., lessons_missed)")
@click.option("--letter", required=True, type=click.Choice(["stage2-letter", "model-letter"]))
@click.option("--below", type=float, help="Select pupils whose attendance this school year is below this percentage")
@click.option("--band", help="Select pupils in one of the profile's attendance bands, by its id (e.g. below-96 "
              "under peterborough); `screen --profile` lists them")
@click.option("--meets-penalty-threshold", is_flag=True, help="Select pupils who meet the penalty-notice threshold")
@click.option("--persistent", is_flag=True, help="Select persistently absent pupils (10% or more missed)")
@click.option("--severe", is_flag=True, help="Select severely absent pupils (50% or more missed)")
@click.option("--match", default="all", type=click.Choice(["all", "any"]), show_default=True,
              help="With several filters: pupils who meet all of them, or any")
@click.option("--school", required=True, help="The school's name, as the letters print it")
@click.option("--la", "la_name", required=True, help="The local authority's name, as the letters print it")
@click.option("--profile", default=lambda: os.environ.get("POLICY_PROFILE", "national-2024"),
              show_default="national-2024 or $POLICY_PROFILE", help="The LA's policy profile (thresholds)")
@click.option("--code-set", default=DEFAULT_CODE_SET, type=click.Choice(CODE_SETS), show_default=True)
@click.option("--answers", "answers_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The letter's own answers as JSON, e.g. {\"signatory\": {\"name\": ...}}")
@click.option("--set", "pairs", multiple=True, metavar="NAME=VALUE",
              help="One of the letter's answers, e.g. --set signatory.name='Mrs J Patel' --set letter_date=2026-03-13 "
                   "(repeat it; wins over --answers). The letter's date is today unless given. For a meeting, "
                   "meeting.time is the first family's; leave it out to write each time in by hand.")
@click.option("--slot-minutes", help="Minutes for each family's meeting (5 to 120): the first at meeting.time, "
              "each next family's that much later")
@click.option("--workers", type=int, help="Processes that render the letters (default: one per core, up to 4)")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The zip to write")
def bulk_letters_command(register_file, pupils_file, letter, below, band, meets_penalty_threshold, persistent, severe, match,
                         school, la_name, profile, code_set, answers_file, pairs, slot_minutes, workers, out) -> None:
    """Letters to many families: the Stage 2 letter or a model letter for every pupil the filter selects
    from the register export, one for each parent as DOCX and PDF, and all of them in one PDF for
    printing, zipped with manifest.csv (every letter with its figures, meeting time and SHA-256, and
    every pupil or parent left out with the reason).

    Exit status: 0 written, 2 the input needs correcting (each problem is named)."""
    import json
    import time

    from .formatting import local_today
    from .formdefs import get_form
    from .letters import bulk
    from .policies import list_profiles, load_profile
    from .register.marks import RegisterError

    if profile not in list_profiles():
        raise click.BadParameter(f"choose one of {', '.join(list_profiles())}", param_hint="--profile")
    form = get_form(letter)
    problems: list[str] = []
    answers = None
    slots = bulk.Slots()
    try:
        base = json.loads(answers_file.read_text(encoding="utf-8")) if answers_file else {}
        if not isinstance(base, dict):
            raise bulk.BulkError([{"field": "answers", "message": "--answers: the file must hold one JSON object"}])
        answers = bulk.answers_from_pairs(form, pairs, {"letter_date": local_today().isoformat(), **base})
        answers = bulk.check_answers(form, answers)
        slots = bulk.slots_of(answers, slot_minutes)
    except ValueError as exc:  # BulkError, or JSON that cannot be read
        problems += ([f"{OPTION_OF.get(e['field'], e['field'])}: {e['message']}" for e in exc.errors]
                     if isinstance(exc, bulk.BulkError)
                     else [f"--answers: not JSON ({exc})"])
    criteria = None
    try:
        criteria = bulk.Criteria(below=below, penalty_threshold=meets_penalty_threshold, persistent=persistent,
                                 severe=severe, match=match, band=band).checked(load_profile(profile))
    except bulk.BulkError as exc:
        problems += [f"--{e['field'].replace('_', '-')}: {e['message']}" if e["field"] in ("below", "match", "band")
                     else e["message"]
                     for e in exc.errors]
    details = None
    try:
        details = bulk.parse_details(pupils_file.read_bytes())
    except bulk.BulkError as exc:
        problems += exc.messages[:20]
    plan = None
    try:
        if problems:  # only to name its rows too, so every input is put right at once
            bulk.read_register(register_file.read_bytes(), code_set)
        else:
            plan = bulk.plan_from_export(register_file.read_bytes(), details, form, answers, criteria,
                                         load_profile(profile), school={"name": school},
                                         la={"name": la_name, "inbox": ""}, code_set=code_set, workers=workers,
                                         batch=answers["letter_date"].replace("-", ""), slots=slots)
    except RegisterError as exc:
        problems += [f"--register: {m}" for m in exc.messages[:20]]
    except bulk.BulkError as exc:  # too many letters at once, or meetings past the end of the day
        problems += [f"{OPTION_OF.get(e['field'], e['field'])}: {e['message']}" for e in exc.errors]
    if problems:
        for message in problems:
            click.echo(message, err=True)
        raise SystemExit(2)
    if not plan.selected:
        click.echo(f"{plan.why_nobody()}. Nothing written.", err=True)
        raise SystemExit(2)
    started = time.perf_counter()
    partial = out.with_name(out.name + ".part")
    with click.progressbar(length=len(plan.letters), label="Making the letters", show_pos=True,
                           show_eta=True, file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.update(done - bar.pos)

        try:
            with partial.open("wb") as fh:
                result = bulk.write_zip(plan, fh, progress=progress, workers=workers)
            partial.replace(out)  # never a half-written zip under the name asked for
        finally:
            partial.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    for line in bulk.summary_lines(plan, result):
        click.echo(line)
    rate = f", {result.letters / seconds:.1f} letters/s" if result.letters and seconds else ""
    click.echo(f"Wrote {out} ({out.stat().st_size / 1048576:.1f} MB) in {seconds:.1f} s{rate}.")


if __name__ == "__main__":
    sys.exit(main())
