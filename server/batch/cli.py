"""`flask --app server score PATH...`: score saved threads and archives, and write a report."""

import os
import sys
import tempfile
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from ..extraction.profiles import load_profiles
from .inputs import InputLimits, load_inputs
from .reports import FORMATS, existing_records, write_jsonl_line, write_report
from .runner import DEFAULT_LOADER, check_attributes, score_local, score_on_cluster


@click.command("score")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", default="-", show_default=True, help="Report file; '-' writes to stdout.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Report format. Default: from the output's suffix, else json.")
@click.option("--resume", is_flag=True, help="Skip threads the output already holds, and keep them in it.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT", help="Score on this Dask cluster.")
@click.option("--attributes", default=None, metavar="A,B", help="Score only these attributes (default: all).")
@click.option("--engine", type=click.Choice([p.engine for p in load_profiles()]), default=None,
              help="Read every page with this site profile instead of detecting it.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
@with_appcontext
def score_command(paths, output, fmt, resume, scheduler, attributes, engine, progress):
    """Score saved thread pages (.html), text copies (.txt), JSONL/CSV of posts, folders and
    .zip archives of them. A file that cannot be read is reported with its reason and the
    rest go on; the exit status is 1 when anything failed."""
    fmt = fmt or _format_of(output)
    if resume and output == "-":
        raise click.UsageError("--resume needs --output FILE: it reads which threads that file holds")
    try:
        wanted = check_attributes(attributes.split(",") if attributes else None)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--attributes") from None
    thresholds = current_app.config.get("THRESHOLDS")

    started = time.monotonic()
    batch = load_inputs(paths, engine=engine, limits=InputLimits.from_config(current_app.config))
    for error in batch.errors:
        click.echo(f"not read: {error['source']}: {error['reason']}", err=True)

    checkpoint = _checkpoint_path(output, fmt)
    try:
        done = _resumed(output, fmt, checkpoint) if resume else []
    except ValueError as error:
        raise click.ClickException(f"cannot resume from {output}: {error}") from None
    done_ids = {record["thread_id"] for record in done}
    todo = [t for t in batch.threads if t["thread_id"] not in done_ids]
    if done_ids:
        click.echo(f"resuming: {len(batch.threads) - len(todo)} thread(s) already in {output}", err=True)

    if not todo:
        outcomes = iter(())
    elif scheduler:
        loader = current_app.config.get("BATCH_SCORER_LOADER", DEFAULT_LOADER)
        try:
            outcomes = score_on_cluster(todo, scheduler, loader=loader, attributes=wanted, thresholds=thresholds)
        except OSError as error:
            raise click.ClickException(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    else:
        outcomes = score_local(todo, _local_scorer(), attributes=wanted, thresholds=thresholds)

    try:
        scored, failures, interrupted = _run(outcomes, todo, output, fmt, resume, progress, checkpoint)
        model = scored[0]["model"] if scored else (done[0].get("model") if done else None)
        if fmt != "jsonl":
            _write_whole(output, done + scored, batch.errors + failures, fmt, model)
    except OSError as error:  # a full disk, a file size limit, a folder gone
        kept = f"; what was scored is kept in {checkpoint}" if checkpoint and checkpoint.exists() else ""
        raise click.ClickException(f"cannot write the report {output}: {error.strerror or error}; any report "
                                   f"already there is left as it was{kept}; run again with --resume") from None
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)  # the report now holds everything it held
    posts = sum(len(r["posts"]) for r in scored)
    seconds = time.monotonic() - started
    click.echo(f"scored {len(scored)} thread(s), {posts} post(s) in {seconds:.1f} s; "
               f"{len(batch.errors) + len(failures)} input(s) failed", err=True)
    if interrupted:
        click.echo("interrupted: what was scored is written; run again with --resume to go on", err=True)
        sys.exit(130)
    if batch.errors or failures:
        sys.exit(1)


def _run(outcomes, todo, output, fmt, resume, progress, checkpoint=None):
    """Drain the scoring outcomes under a progress bar. Each thread is written as it lands:
    to a JSONL report itself, else to the report's checkpoint file, so that a run that is
    killed (SIGKILL, power) loses at most the thread it was scoring."""
    scored, failures = [], []
    stream = None
    if fmt == "jsonl" and output == "-":
        stream = sys.stdout
    elif fmt == "jsonl" or checkpoint is not None:
        path = Path(output) if fmt == "jsonl" else checkpoint
        if resume:
            _drop_cut_line(path)
        stream = open(path, "a" if resume else "w", encoding="utf-8")
    bar = tqdm(total=len(todo), unit="thread", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    posts, interrupted = 0, False
    try:
        for thread, record, reason in outcomes:
            bar.update(1)
            if record is None:
                failures.append({"source": thread.get("source") or thread["thread_id"], "reason": reason})
                tqdm.write(f"not scored: {failures[-1]['source']}: {reason}", file=sys.stderr)
                continue
            scored.append(record)
            posts += len(record["posts"])
            bar.set_postfix(posts=posts, refresh=False)
            if stream is not None:
                write_jsonl_line(record, stream)
    except KeyboardInterrupt:
        interrupted = True  # keep what was scored, so --resume can go on from it
    finally:
        bar.close()
        if stream is not None and stream is not sys.stdout:
            stream.close()
    return scored, failures, interrupted


def _checkpoint_path(output, fmt):
    """Where a whole-file report (json, csv, html) keeps its threads while the run lasts:
    a hidden JSONL beside it, removed once the report is written. None for JSONL (the
    report is its own checkpoint) and for stdout."""
    if output == "-" or fmt == "jsonl":
        return None
    target = Path(output)
    return target.with_name(f".{target.name}.partial.jsonl")


def _resumed(output, fmt, checkpoint):
    """The threads a report and its checkpoint already hold, each once: in the report's
    order, then the checkpoint's; where both hold a thread, the checkpoint's (newer) copy."""
    records = {record.get("thread_id"): record for record in existing_records(output, fmt)}
    if checkpoint is not None:
        records.update((record.get("thread_id"), record) for record in existing_records(checkpoint, "jsonl"))
    return list(records.values())


def _drop_cut_line(path):
    """A run killed in the middle of writing a line leaves half of it at the end of the
    file; appending after it would glue the next thread onto it, and lose both."""
    path = Path(path)
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as f:
            f.truncate(data.rfind(b"\n") + 1)


def _write_whole(output, records, errors, fmt, model):
    if output == "-":
        write_report(records, errors, fmt, sys.stdout, model)
        return
    # Written beside the target and renamed over it, so an interrupted write never leaves
    # half a report where --resume would read it.
    target = Path(output)
    handle, temp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            write_report(records, errors, fmt, stream, model)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes it private; a report is an ordinary file
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _format_of(output):
    suffix = Path(output).suffix.lower().lstrip(".")
    return {"htm": "html", "ndjson": "jsonl"}.get(suffix, suffix) if suffix in (*FORMATS, "htm", "ndjson") else "json"


def _local_scorer():
    """The app's scorer: a configured one (tests), else the model the app is loading."""
    from ..scoring import get_slot

    slot = get_slot()
    slot.loaded.wait()
    if slot.error is not None:
        raise click.ClickException(f"the model failed to load: {slot.error}")
    return slot.scorer
