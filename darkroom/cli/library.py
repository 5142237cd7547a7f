"""A library in and out: find duplicates, export a space, import folders and zip files."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from darkroom.api import vocabulary
from darkroom.cli._base import (
    BadInput,
    CommandError,
    app,
    console,
    errors,
    opened,
)
from darkroom.cli.access import grant_target
from darkroom.core import (
    accounts,
    archive,
    duplicates,
    export,
    importing,
    personal,
    spaces,
)
from darkroom.core.access import Actor, Role, Scope, SpaceRole, trusted_scope
from darkroom.core.records import UNBORN, SpaceRecord
from darkroom.core.runtime import Runtime
from darkroom.db.models import Principal
from darkroom.errors import Invalid
from darkroom.progress import megabytes, progress, rate

# --- duplicates: the same picture more than once in a space ------------------------------------


@app.command("duplicates")
def list_duplicates(
    ctx: typer.Context,
    space: Annotated[str, typer.Argument(help="KIND:ID, e.g. moov-account:acct1")],
    distance: Annotated[
        int,
        typer.Option("--distance", min=0, max=64, help="Most bits apart for a near copy (of 64)."),
    ] = duplicates.NEAR_DISTANCE,
) -> None:
    """List the images of SPACE that are the same picture: exact copies (the same bytes) and
    near ones (resized, recompressed or lightly cropped). Trashed images are left out."""
    with opened(ctx) as runtime:
        with runtime.reading() as session:
            kind, external_id = spaces.parse_ref(space, vocabulary.SPACE_KINDS)
            found = spaces.find(session, kind, external_id)
            if found is None:
                raise BadInput(f"{space} does not exist")
            space_id = found.id
        groups = duplicates.find_groups(runtime, space_id, distance=distance)
    if groups:
        console.print(_duplicates_table(groups))
    exact = sum(group.exact for group in groups)
    console.print(f"{exact} exact and {len(groups) - exact} near groups in {escape(space)}")


def _duplicates_table(groups: list[duplicates.Group]) -> Table:
    table = Table("group", "kind", "image", "name", "size", "bytes")
    for number, group in enumerate(groups, start=1):
        for member in group.members:
            table.add_row(
                str(number),
                "exact" if group.exact else "near",
                str(member.image_id),
                escape(member.name),
                f"{member.width}x{member.height}",
                str(member.byte_size),
            )
        table.add_section()
    return table


# --- export: a space's originals, byte-identical, with their metadata beside them --------------


class ExportFormat(StrEnum):
    DIR = "dir"
    ZIP = "zip"


@app.command("export")
def export_space(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            metavar="SPACE[/ALBUM]",
            help="KIND:ID, e.g. moov-account:acct1; /ALBUM exports one album, by name or #ID.",
        ),
    ],
    dest: Annotated[
        str,
        typer.Argument(
            metavar="DEST", help="A new or empty folder; with --format zip a .zip file or -."
        ),
    ],
    output: Annotated[
        ExportFormat,
        typer.Option("--format", help="dir: a folder; zip: one zip file, or - for stdout."),
    ] = ExportFormat.DIR,
) -> None:
    """Export every live image of SPACE (or of one album): the originals byte-identical, in
    album order, as ALBUM/NNNN-NAME, each with a NAME.json sidecar holding what darkroom knows
    of it, plus manifest.json and SHA256SUMS (`cd DEST && sha256sum -c SHA256SUMS`).

    Trashed and expired images are left out, and so are temporary images (uploads not yet
    attached to anything). Two albums with the same name: name one as SPACE/#ID. An existing
    non-empty DEST is refused, never overwritten. Exits 1 if an original is missing or corrupt
    in the store, after exporting all the others."""
    to_stdout = output is ExportFormat.ZIP and dest == "-"
    shown = errors if to_stdout else console  # stdout carries the zip itself
    with opened(ctx) as runtime:
        space_id, space_ref, album = _export_target(runtime, target)
        album_id = None if album is None else export.choose_album(runtime, space_id, album)
        plan = export.plan(runtime, space_id, space_ref, album_id=album_id)
        totals = {"files": len(plan.items), "byte_size": plan.byte_size}
        with _export_writer(output, dest) as writer, progress(shown, "exporting", **totals) as bar:

            def done(item: export.Done) -> None:
                if item.error is not None:
                    kept = " (its bytes stay in the zip)" if writer.keeps_failed else ""
                    errors.print(
                        f"[red]failed[/red] image {item.item.image_id} "
                        f"{escape(item.item.path)}: {escape(item.error)}{escape(kept)}"
                    )
                bar.advance(byte_size=0 if item.error else item.item.byte_size)

            report = export.run(runtime, plan, writer, on_file=done)
    albums = sum(1 for entry in plan.albums if entry.count)
    shown.print(
        f"exported {report.exported} images in {albums} albums of {escape(space_ref)}, "
        f"{megabytes(report.byte_size)} in {report.seconds:.2f} s "
        f"({rate(report.byte_size, report.seconds)})"
    )
    if report.failed:
        errors.print(f"[red]{len(report.failed)} images could not be exported[/red]")
        raise typer.Exit(code=1)


def _export_target(runtime: Runtime, text: str) -> tuple[int, str, str | None]:
    """(space id, space as KIND:ID, album or None) from SPACE[/ALBUM]. The whole text is tried
    as a space first, since an id may hold a "/"; otherwise the album starts at the first "/"."""
    space_text, _, album = text.partition("/")
    candidates = [(text, None), (space_text, album)] if album else [(text, None)]
    with runtime.reading() as session:
        for ref, wanted in candidates:
            try:
                kind, external_id = spaces.parse_ref(ref, vocabulary.SPACE_KINDS)
            except Invalid:
                if wanted is None and album:
                    continue  # not a space as a whole: try the part before the "/"
                raise
            found = spaces.find(session, kind, external_id)
            if found is not None:
                return found.id, ref, wanted
    raise BadInput(f"{space_text} does not exist")


@contextmanager
def _export_writer(output: ExportFormat, dest: str) -> Iterator[archive.Writer]:
    """The folder or zip an export writes to; refuses a DEST that holds anything already. A
    failure to write (a full disk, a closed pipe) stops the export with one line."""
    try:
        with _writer(output, dest) as writer:
            yield writer
    except OSError as error:
        raise CommandError(f"could not write {dest}: {error.strerror or error}") from None


@contextmanager
def _writer(output: ExportFormat, dest: str) -> Iterator[archive.Writer]:
    if output is ExportFormat.DIR:
        if dest == "-":
            raise BadInput("a folder export needs a folder; use --format zip for stdout")
        yield archive.FolderWriter(Path(dest))
        return
    if dest == "-":
        stdout = sys.stdout.buffer  # read now: a test runner swaps sys.stdout
        if stdout.isatty():
            raise BadInput("refusing to write a zip to a terminal; redirect stdout or name a file")
        yield archive.ZipWriter(stdout)
        stdout.flush()
        return
    path = Path(dest)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        out = path.open("xb")
    except FileExistsError:
        raise BadInput(f"{dest} exists; an export never overwrites a file") from None
    try:
        with out:
            yield archive.ZipWriter(out)
    except BaseException:
        path.unlink(missing_ok=True)  # a zip cut short is no use to anyone
        raise


# --- import: folders and zip files of photos, in through core's ingest -------------------------

OPERATOR = Actor(principal_id=None, role=Role.ADMIN, name="darkroom import")


@app.command("import")
def import_photos(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(exists=True, help="Folders, zip files or single images.")
    ],
    into: Annotated[
        str,
        typer.Option(
            "--into",
            help="KIND:ID or KIND:ID/ALBUM. Without ALBUM, files go to an album named after "
            "their folder or zip, and an export's files back to their own albums.",
        ),
    ],
    company: Annotated[
        str | None, typer.Option("--company", help="The company of a new procore-project.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every file and say what would happen.")
    ] = False,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Files at once (default: CPUs).")
    ] = None,
    album_per_folder: Annotated[
        bool,
        typer.Option(
            "--album-per-folder",
            help="Each folder's files to an album named after it (2019/Holiday → Holiday).",
        ),
    ] = False,
) -> None:
    """Import every image under PATHS into a space. Files are sniffed, checked and stored as
    uploads are; sidecars (darkroom's .json, Google Takeout .json, XMP) give names, descriptions,
    dates and places. Stopping is safe: a rerun skips what is already in. Exits 1 if a file
    was refused."""
    space_ref, _, album = into.partition("/")
    with opened(ctx) as runtime:
        scope = _import_scope(runtime, space_ref, company, dry_run=dry_run)
        target = _import_target(scope, album.strip() or None, per_folder=album_per_folder)
        found = list(importing.entries(paths))
        with _import_progress(found, dry_run=dry_run) as heard:
            try:
                summary = importing.import_files(
                    runtime, target, found, dry_run=dry_run, workers=workers, on_outcome=heard
                )
            except KeyboardInterrupt:
                errors.print("interrupted: what was imported stays; run again to finish")
                raise typer.Exit(code=130) from None
    console.print(_import_table(summary))
    console.print(_import_line(summary, len(found)))
    if summary.counts[importing.Result.REFUSED]:
        raise typer.Exit(code=1)


def _import_scope(runtime: Runtime, ref: str, company: str | None, *, dry_run: bool) -> Scope:
    """The scope an import writes in: a user's own space as that user, any other as the
    operator; made if missing (not in a dry run)."""
    kind, external_id = spaces.parse_ref(ref, vocabulary.SPACE_KINDS)
    with runtime.transaction() as session:
        if kind == vocabulary.CYCLOS_USER:
            return _user_scope(session, external_id, dry_run=dry_run)
        found = spaces.find(session, kind, external_id)
        if found is None and dry_run:
            return trusted_scope(SpaceRecord(UNBORN, kind, external_id), OPERATOR)
        space = found or grant_target(session, kind, external_id, company)
        return trusted_scope(space, OPERATOR, SpaceRole.MANAGER)


def _user_scope(session: Session, user: str, *, dry_run: bool) -> Scope:
    """User ``user``'s (a name or an id) own space, as that user."""
    owner = accounts.find_principal(session, user)
    if owner is None and user.isdigit():
        owner = session.get(Principal, int(user))
    if owner is None:
        raise BadInput(f"no user {user}")
    found = spaces.find(session, vocabulary.CYCLOS_USER, str(owner.id))
    if found is None and dry_run:
        unborn = SpaceRecord(UNBORN, vocabulary.CYCLOS_USER, str(owner.id))
        return trusted_scope(unborn, accounts.actor_of(owner), SpaceRole.MANAGER)
    return personal.system_scope(session, found or personal.space_of(session, owner.id))


def _import_target(scope: Scope, album: str | None, *, per_folder: bool) -> importing.Target:
    if album is not None and per_folder:
        raise BadInput("give /ALBUM or --album-per-folder, not both")
    home = vocabulary.IMPORT_ALBUMS.get(scope.space.kind)
    if home is None:
        return importing.Target(
            scope=scope, album_type=vocabulary.V1_GALLERY, album=album, per_folder=per_folder
        )
    if album is not None or per_folder:
        raise BadInput(f"a {scope.space.kind} space has one album: leave out /ALBUM")
    return importing.Target(scope=scope, album_type=home, one_album=True)


@contextmanager
def _import_progress(
    found: list[importing.Entry], *, dry_run: bool
) -> Iterator[Callable[[importing.Outcome], None]]:
    """The bar (or plain lines) of ``darkroom.progress``; refusals printed as they happen."""
    label = "checking" if dry_run else "importing"
    total = sum(entry.size for entry in found)
    with progress(console, label, files=len(found), byte_size=total) as bar:

        def heard(outcome: importing.Outcome) -> None:
            if outcome.result is importing.Result.REFUSED:
                bar.note(_refused_line(outcome))
            bar.advance(byte_size=outcome.size)

        yield heard


def _refused_line(outcome: importing.Outcome) -> str:
    return f"[red]refused[/red] {escape(outcome.path)}: {escape(outcome.message or '')}"


def _import_table(summary: importing.Summary) -> Table:
    table = Table("result", "files")
    for result in importing.Result:
        if result is importing.Result.REFUSED:
            for reason, count in sorted(summary.refused.items()):
                table.add_row(f"refused: {reason}", str(count))
        elif summary.counts[result]:
            table.add_row(str(result), str(summary.counts[result]))
    return table


def _import_line(summary: importing.Summary, files: int) -> str:
    counts = summary.counts
    done = (
        f"{counts[importing.Result.WOULD_IMPORT]} would be imported"
        if counts[importing.Result.WOULD_IMPORT]
        else f"{counts[importing.Result.IMPORTED]} imported"
    )
    return (
        f"{files} files in {summary.seconds:.1f} s: {done},"
        f" {counts[importing.Result.PRESENT]} already present,"
        f" {counts[importing.Result.REFUSED]} refused ({rate(summary.bytes_in, summary.seconds)})"
    )
