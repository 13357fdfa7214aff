"""CLI commands for the trend tagger, on files and labels (no database needed): `tag` tags a JSONL of papers,
`train-tags` fits the tag model on labelled papers, `eval-tags` reports its per-trend figures (a labelled file, or
cross-validated on the labels)."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.progress import progress_bar
from trendscope.foundation.wording import count

from .options import json_option, no_vectors_option


def _load(ctx_obj, no_vectors: bool):
    from trendscope.index.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(ctx_obj.home.taxonomy_path)
    embedder = None
    if not no_vectors:
        from trendscope.index.embedder import load_embedder

        embedder = load_embedder()
    return taxonomy, embedder


def _tag(papers, taxonomy, embedder, home_root=None):
    from trendscope.index.tag_files import tag_papers
    from trendscope.index.tag_model import load_tag_model

    model = load_tag_model(home_root)
    quiet = len(papers) < 200
    # progress lines, not tqdm's cursor codes, when stderr is not a terminal (a log held "[A" sequences: a docs audit)
    with progress_bar(len(papers) if embedder is not None else 0, "embedding", "paper",
                      enabled=not quiet and embedder is not None) as ebar, \
            progress_bar(len(papers), "tagging", "paper", enabled=not quiet) as bar:
        return tag_papers(papers, taxonomy, embedder, progress=bar.update, embed_progress=ebar.update, model=model)


def _report(problems: list[str]) -> None:
    for p in problems[:20]:
        click.echo(f"warning: {p}", err=True)
    if len(problems) > 20:
        click.echo(f"warning: ... and {len(problems) - 20} more bad lines", err=True)


@click.command("tag")
@click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False),
              help="JSONL file ('-' for standard input), one paper per line with id, title, abstract (categories "
                   "optional).")
@click.option("--output", "output_path", type=click.Path(dir_okay=False), default=None,
              help="Write JSONL tags here (default: standard output).")
@click.option("--evidence/--no-evidence", default=False, help="Include the evidence of each tag.")
@no_vectors_option()
@click.pass_obj
def tag_cmd(obj, input_path: str, output_path: str | None, evidence: bool, no_vectors: bool) -> None:
    """Tag papers from a JSONL file with trends (no paper of the data home is read; its fitted tag model is
    used when it has one).

    Writes one line per input line that is not blank, in input order:
    {"id": ..., "trends": [{"name": ..., "score": ...}, ...]}, or, for a line that is no paper,
    {"id": ... or null, "line": N, "error": ...} (named on stderr too; exit status 3).

    \b
    Examples:
      trendscope tag --input papers.jsonl --output tags.jsonl --evidence
      trendscope tag --input papers.jsonl --no-vectors
    """
    from trendscope.foundation.files import readable_path
    from trendscope.index.tag_files import read_papers

    if output_path and not Path(output_path).resolve().parent.is_dir():  # refused after tagging every line before
        raise click.BadParameter(f"{output_path}: its folder does not exist", param_hint="'--output'")
    bad: dict[int, tuple[str | None, str]] = {}
    with readable_path(input_path) as path:
        papers, problems = read_papers(path, bad=bad)
    if input_path == "-":  # messages name what the user gave, not the temporary copy
        problems = [p.replace(path, "stdin") for p in problems]
    _report(problems)
    if not papers and not bad:  # it printed nothing and exited 0 (a blind walkthrough)
        click.echo(f"note: {'stdin' if input_path == '-' else input_path} holds no paper (one JSON object a line: "
                   "id, title, abstract)", err=True)
    taxonomy, embedder = _load(obj, no_vectors)
    tags = _tag(papers, taxonomy, embedder, obj.home.root)
    records = {p.line: {"id": p.id, "trends": [{"name": t.trend, "score": t.score,
                                                  **({"evidence": t.evidence} if evidence else {})} for t in ts]}
               for p, ts in zip(papers, tags)}
    # a bad line keeps its place, so that output line k answers input line k (3 of 4 lines came out, the bad one
    # dropped: a blind walkthrough zipping the two files)
    records.update({n: {"id": pid, "line": n, "error": reason} for n, (pid, reason) in bad.items()})
    out = open(output_path, "w", encoding="utf-8") if output_path else sys.stdout
    try:
        for n in sorted(records):
            out.write(json.dumps(records[n], ensure_ascii=False) + "\n")
    finally:
        if output_path:
            out.close()
    if output_path:
        n = sum(1 for ts in tags if ts)
        click.echo(f"tagged {len(papers)} papers ({n} with at least one trend) -> {output_path}", err=True)
    if bad:
        click.get_current_context().exit(3)  # as `ingest`: every good line answered, bad ones named


def _labelled_papers(obj, label_paths, corpus: str | None, taxonomy, unknown_ok: bool = False,
                     lines: set[int] | None = None):
    """Labelled papers with their text: from the data home's database, else from the --corpus file.
    `unknown_ok`: a label not in the taxonomy is reported and ignored (scoring), not refused (fitting). `lines`:
    only these lines of the (one) file."""
    from trendscope.index.tag_training import labelled_papers, read_corpus_texts, read_label_file
    from trendscope.ingest.store import PaperStore, open_database

    by_id: dict = {}
    named = 0
    unknown: list[str] | None = [] if unknown_ok else None
    for path in label_paths:  # a paper in several files: the last file's labels (your corrections over the set's)
        rows = read_label_file(path, taxonomy.names, unknown, lines)
        if not rows:  # an empty second file added nothing without a word (a blind walkthrough)
            click.echo(f"note: {path} labels no paper", err=True)
        for pid, labels in rows:
            by_id[pid] = labels
            named += 1
    _report(unknown or [])
    rows = list(by_id.items())
    ids = [pid for pid, _ in rows]
    if named > len(ids):
        click.echo(f"note: {named - len(ids)} papers are labelled in more than one file: the labels of the last "
                   "file naming each are used", err=True)
    texts = {}
    if obj.home.db_path.exists():
        stored = PaperStore(open_database(obj.home.db_path)).get_many(ids)
        texts = {pid: (p.title, p.abstract, list(p.categories)) for pid, p in stored.items()}
    need = set(ids) - set(texts)
    if need and corpus:
        texts.update(read_corpus_texts(corpus, need))
    papers, missing = labelled_papers(rows, texts)
    if missing and not corpus and len(missing) >= len(papers):
        # a model fitted on 194 of 2,146 labelled papers replaced the home's with one warning line (a walkthrough)
        raise TrendscopeError(f"no text for {len(missing):,} of {len(rows):,} labelled papers (not in the data "
                              "home): give --corpus FILE with their titles and abstracts, e.g. --corpus "
                              "../shared/data/arxiv_corpus.jsonl.gz")
    if missing:  # named: "no text for 1 labelled papers" left the reader to find which (a blind walkthrough)
        named_ids = ", ".join(missing[:5]) + (f" and {len(missing) - 5:,} more" if len(missing) > 5 else "")
        click.echo(f"warning: no text for {count(len(missing), 'labelled paper')} ({named_ids}: not in the data "
                   f"home{' or ' + corpus if corpus else '; give --corpus'}): skipped", err=True)
    if not papers:
        raise TrendscopeError("no labelled paper has text: ingest them or give --corpus FILE")
    return papers


def _label_lines_papers(obj, path: str, lines: set[int], corpus: str | None) -> list:
    """The papers of a file's lines `lines` (id + labels alone), with their text from the data home or `corpus`."""
    from trendscope.index.tag_files import InputPaper
    from trendscope.index.taxonomy import load_taxonomy

    try:
        found = _labelled_papers(obj, [path], corpus, load_taxonomy(obj.home.taxonomy_path), unknown_ok=True,
                                 lines=lines)
    except TrendscopeError as exc:  # none of them has text here: the whole papers are still scored
        click.echo(f"warning: {path}: the lines of id and labels alone are skipped: {exc}", err=True)
        return []
    return [InputPaper(p.id, p.title, p.abstract, list(p.categories), sorted(p.labels)) for p in found]


def _is_label_file(path: str) -> bool:
    """Whether a JSONL file is of `id` and `labels` alone (`correct-tags --export`): no line carries an abstract.
    One corrupt line made every good line of such a file "missing title, abstract" (a blind walkthrough)."""
    from trendscope.foundation.json_lines import BadJsonLine, read_json_objects

    lines = [obj for _, obj in read_json_objects(path) if not isinstance(obj, BadJsonLine)]
    return any(isinstance(o, dict) for o in lines) and not any(
        isinstance(o, dict) and isinstance(o.get("abstract"), str) and o["abstract"].strip() for o in lines)


def _vectors(obj, papers, embedder):
    """Paper vectors: stored ones from the data home when they are current and of this model, the rest embedded."""
    import numpy as np

    from trendscope.index.embedder import paper_text
    from trendscope.index.vector_store import VectorStore
    from trendscope.ingest.records import content_hash
    from trendscope.ingest.store import PaperStore, open_database

    stored: dict[str, np.ndarray] = {}
    if obj.home.db_path.exists():
        db = open_database(obj.home.db_path)
        store = PaperStore(db)
        wanted = {p.id: p for p in papers}
        by_pk = {store.pk_of(pid): pid for pid in store.get_many(list(wanted))}
        for pk, v in VectorStore(db).get([pk for pk in by_pk if pk is not None], embedder.model_id).items():
            paper = wanted[by_pk[pk]]
            stored_paper = store.get(paper.id)
            if content_hash(paper.title, paper.abstract) == content_hash(stored_paper.title, stored_paper.abstract):
                stored[paper.id] = v
    todo = [p for p in papers if p.id not in stored]
    texts = [paper_text(p.title, p.abstract) for p in todo]
    with progress_bar(len(texts), "embedding", "paper", enabled=len(texts) >= 200) as bar:
        chunks = [embedder.encode(texts[i: i + 256], progress=bar.update) for i in range(0, len(texts), 256)]
    fresh = dict(zip([p.id for p in todo], np.concatenate(chunks))) if chunks else {}
    return np.stack([stored.get(p.id, fresh.get(p.id)) for p in papers]).astype(np.float32)


def _print_scores(figures: dict, how: str) -> None:
    click.echo(f"{'trend':18s} {'support':>7s} {'pred':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}")
    for t, s in figures["trends"].items():
        click.echo(f"{t:18s} {s['support']:7d} {s['predicted']:5d} {s['precision']:6.3f} {s['recall']:6.3f} "
                   f"{s['f1']:6.3f}")
    # over the trends labelled or tagged, as --input says ("over 8 trends" counted two with neither: a walkthrough)
    left_out = len(figures["trends"]) - len(figures["macro_trends"])
    click.echo(f"macro-F1 {figures['macro_f1']:.4f} over {count(len(figures['macro_trends']), 'trend')}"
               + (f" ({left_out} neither labelled nor tagged on any paper left out)" if left_out else "")
               + f", {figures['papers']} papers ({how})")
    from trendscope.index.tag_training import MIN_POSITIVES

    folds = int(figures.get("folds") or 5)  # a training fold holds (folds - 1) / folds of the positives
    few = [t for t, s in figures["trends"].items()
           if 0 < s["support"] < math.ceil(MIN_POSITIVES * folds / (folds - 1)) + 1]
    if few:  # a fold's model is fitted only on 5+ positives; fewer, and the trend is never tagged there
        click.echo(f"note: {', '.join(few)}: perhaps too few labelled positives to fit in every fold (a fold's "
                   f"model needs {MIN_POSITIVES} among its training papers; where it has fewer the trend is never "
                   "tagged, and its misses count)", err=True)


@click.command("train-tags")
@click.option("--labels", "label_paths", multiple=True, required=True, type=click.Path(dir_okay=False),
              help="JSONL label file(s): one {\"id\": ..., \"labels\": [...]} per line (repeatable).")
@click.option("--corpus", type=click.Path(dir_okay=False), default=None,
              help="JSONL(.gz) corpus to read titles and abstracts from, for papers not in the data home.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Write the model here (default: trend_model.npz in the data home, which tagging then uses).")
@no_vectors_option()
@click.pass_obj
def train_tags_cmd(obj, label_paths, corpus: str | None, out: str | None, no_vectors: bool) -> None:
    """Fit the trend tagger on labelled papers (deterministic: same labels, same model).

    Per trend, a logistic regression on the paper's embedding, its rule score and its arXiv categories;
    the penalty and the threshold are chosen by cross-validation on the labels. The model is written to
    the data home and used by the next `trendscope index` (which re-tags every paper); writing it there is
    for admins (--out writes it elsewhere, for anyone).

    \b
    Examples:
      trendscope train-tags --labels bench/data/trend_labels.jsonl --labels my_labels.jsonl --corpus c.jsonl.gz
      trendscope train-tags --labels my_labels.jsonl --out /tmp/try.npz

    A paper labelled in several files takes the last file's labels (yours after the shipped set).
    """
    from trendscope.index.tag_model import save_model, user_model_path
    from trendscope.index.tag_training import train

    home_model = user_model_path(obj.home.root)
    # the home's model tags every user's papers (a non-admin could replace it: a blind walkthrough; --out naming
    # that very file too: a review)
    if out is None or Path(out).expanduser().resolve() == home_model.resolve():
        obj.actor.require_admin("fitting the data home's tagger (every user's tags; --out FILE writes elsewhere)")
    taxonomy, embedder = _load(obj, no_vectors)
    papers = _labelled_papers(obj, label_paths, corpus, taxonomy)
    vectors = _vectors(obj, papers, embedder) if embedder is not None else None
    model = train(taxonomy, papers, vectors, embedder.model_id if embedder is not None else "")
    if not model.weights:  # it wrote nothing but a traceback (a blind walkthrough trained on 2 corrected papers)
        raise TrendscopeError(f"no trend has 5 labelled positives among the {len(papers)} papers, so nothing was "
                              "fitted: label more papers, or fit on yours together with the shipped set "
                              "(--labels bench/data/trend_labels.jsonl --labels YOURS.jsonl --corpus ...)")
    path = out or str(home_model)
    save_model(path, model)
    fitted = ", ".join(f"{t} ({i['positives']} positives, threshold {i['threshold']:.3f})"
                       for t, i in model.meta["trends"].items())
    click.echo(f"fitted on {len(papers)} papers: {fitted}")
    click.echo(f"model written to {path}")


@click.command("eval-tags")
@click.option("--input", "input_path", type=click.Path(dir_okay=False),
              help="JSONL file with id, title, abstract and labels (list of trend names): score the tagger on it "
                   "(lines of id and labels alone take the text from the data home or --corpus).")
@click.option("--cv", "cv_labels", multiple=True, type=click.Path(dir_okay=False),
              help="Label file(s) (id + labels): 5-fold cross-validation of fitting the tagger on them.")
@click.option("--corpus", type=click.Path(dir_okay=False), default=None,
              help="JSONL(.gz) corpus for the text of labelled papers not in the data home.")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True, help="With --cv: folds.")
@json_option("Print the figures as JSON.")
@no_vectors_option()
@click.pass_obj
def eval_tags_cmd(obj, input_path: str | None, cv_labels, corpus: str | None, folds: int, as_json: bool,
                  no_vectors: bool) -> None:
    """Per-trend precision, recall and F1 (and macro-F1) of the tagger against labels.

    --input scores the tagger in use (the data home's model, else the packaged one) on a labelled file;
    --cv fits the tagger on all but one fold of the labels and scores the held-out fold (split by paper).

    \b
    Examples:
      trendscope eval-tags --input labelled.jsonl
      trendscope eval-tags --input labelled.jsonl --no-vectors --json
      trendscope eval-tags --cv bench/data/trend_labels.jsonl --corpus ../shared/data/arxiv_corpus.jsonl.gz
    """
    if bool(input_path) == bool(cv_labels):
        raise click.UsageError("give either --input FILE or --cv LABELS")
    if cv_labels:
        _eval_cross_validated(obj, cv_labels, corpus, folds, as_json, no_vectors)
    else:
        _eval_input(obj, input_path, corpus, as_json, no_vectors)


def _eval_cross_validated(obj, cv_labels, corpus: str | None, folds: int, as_json: bool, no_vectors: bool) -> None:
    from trendscope.index.tag_training import cross_validate, decisions_metrics

    taxonomy, embedder = _load(obj, no_vectors)
    papers = _labelled_papers(obj, cv_labels, corpus, taxonomy)
    vectors = _vectors(obj, papers, embedder) if embedder is not None else None
    with progress_bar(folds, "cross-validation", "fold", announce=True) as bar:
        decisions = cross_validate(taxonomy, papers, vectors, embedder.model_id if embedder else "", k=folds,
                                   on_fold=lambda: bar.update(1))
    figures = decisions_metrics(papers, decisions, taxonomy.names)
    figures.update(vectors=embedder is not None, folds=folds)
    if as_json:
        click.echo(json.dumps(figures, indent=2))
    else:
        _print_scores(figures, f"{folds}-fold cross-validation, {'rules + vectors' if embedder else 'rules only'}")


def _eval_input(obj, input_path: str, corpus: str | None, as_json: bool, no_vectors: bool) -> None:
    from trendscope.index.tag_files import evaluate

    papers = _evaluation_papers(obj, input_path, corpus)
    taxonomy, embedder = _load(obj, no_vectors)
    unknown = sorted({lab for p in papers for lab in p.labels} - set(taxonomy.names))
    if unknown:
        click.echo(f"warning: labels not in the taxonomy (ignored): {', '.join(unknown)}", err=True)
    tags = _tag(papers, taxonomy, embedder, obj.home.root)
    scores, macro = evaluate([p.labels for p in papers], [[t.trend for t in ts] for ts in tags], taxonomy.names)
    if as_json:
        _print_evaluation_json(papers, scores, macro, embedder is not None)
    else:
        _print_evaluation(papers, scores, macro, embedder is not None)


def _evaluation_papers(obj, input_path: str, corpus: str | None) -> list:
    """The labelled papers of --input (label-only lines get their text from the data home or --corpus); its
    problems reported; an error when none is left."""
    from trendscope.index.tag_files import InputPaper, read_papers

    bad: dict[int, tuple[str | None, str]] = {}
    papers, problems = read_papers(input_path, need_labels=True, bad=bad)
    whole = {p.id for p in papers}  # an id given whole too is scored once
    label_only = {n for n, (pid, why) in bad.items()
                  if pid and why == "missing or empty field(s) title, abstract" and pid not in whole}
    if papers and label_only:
        # lines of id + labels beside whole papers (`correct-tags --export` appended to a dev set): their text from
        # the data home or --corpus, as for a file of such lines alone (they were skipped: a blind walkthrough)
        papers += _label_lines_papers(obj, input_path, label_only, corpus)
        problems = [p for n, p in zip(sorted(bad), problems) if n not in label_only] if len(bad) == len(problems) \
            else problems
    if not papers and problems and _is_label_file(input_path):
        # a label file (id + labels, e.g. `correct-tags --export`): the text from the data home or --corpus, as
        # --cv reads it ("missing field(s) title, abstract" for every line: a blind walkthrough)
        from trendscope.index.taxonomy import load_taxonomy

        papers = [InputPaper(p.id, p.title, p.abstract, list(p.categories), sorted(p.labels)) for p in
                  _labelled_papers(obj, [input_path], corpus, load_taxonomy(obj.home.taxonomy_path),
                                   unknown_ok=True)]
        problems = []
    _report(problems)
    if not papers:
        raise TrendscopeError(f"{input_path}: no labelled papers to evaluate")
    return papers


def _print_evaluation_json(papers: list, scores, macro: float, vectors: bool) -> None:
    from trendscope.index.tag_files import macro_trends

    click.echo(json.dumps({
        "papers": len(papers), "macro_f1": macro, "macro_trends": macro_trends(scores),
        "vectors": vectors,
        "trends": {s.trend: {"precision": s.precision, "recall": s.recall, "f1": s.f1,
                             "support": s.support, "predicted": s.predicted} for s in scores},
    }, indent=2))


def _print_evaluation(papers: list, scores, macro: float, vectors: bool) -> None:
    from trendscope.index.tag_files import macro_trends

    click.echo(f"{'trend':18s} {'support':>7s} {'pred':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}")
    for s in scores:
        click.echo(f"{s.trend:18s} {s.support:7d} {s.predicted:5d} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}")
    averaged = macro_trends(scores)
    left_out = len(scores) - len(averaged)
    click.echo(f"macro-F1 {macro:.4f} over {count(len(averaged), 'trend')}"
               + (f" ({left_out} neither labelled nor tagged on any paper left out)" if left_out else "")
               + f", {len(papers)} papers ({'rules + vectors' if vectors else 'rules only'})")


def register(group: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    group.add_command(tag_cmd)
    group.add_command(eval_tags_cmd)
    group.add_command(train_tags_cmd)
