"""The ``workbench`` command: thin wrappers over library functions.

Machine-readable output (``--json``) is part of the interface; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from workbench.analysis.topics import DEFAULT_CONFIG
from workbench.coding.codebook import DEFAULT_CODEBOOK
from workbench.config import PROJECT_ROOT, Settings, load_settings
from workbench.errors import WorkbenchError
from workbench.users import is_loopback

APP = PROJECT_ROOT / "app.py"
Handler = Callable[[argparse.Namespace, Settings], int]


def _print_json(obj: object) -> None:
    print(json.dumps(obj, indent=None, ensure_ascii=False, default=str))


# -- commands -----------------------------------------------------------------------------


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from workbench.corpus import load_manifest
    from workbench.corpus.ingest import Ingestor, IngestReport
    from workbench.store import count_documents, open_store

    store = open_store(settings)
    if args.if_empty:
        with store.session() as session:
            existing = count_documents(session)
        if existing:
            if args.json:
                _print_json(IngestReport().as_dict())
            else:
                print(f"The database already holds {existing} documents; nothing ingested.")
            return 0
    manifest = load_manifest(args.manifest) if args.manifest else None
    if manifest is None:
        for path in map(Path, args.paths):
            for candidate in ("manifest.csv", "manifest.yaml", "manifest.yml"):
                if path.is_dir() and (path / candidate).exists():
                    manifest = load_manifest(path / candidate)
                    break
    bar = tqdm(total=0, unit="file", desc="Ingesting", file=sys.stderr, disable=args.quiet)

    def progress(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.set_postfix_str(name[-40:], refresh=False)
        bar.update(1)

    report = Ingestor(store, settings, manifest=manifest, actor=args.actor).ingest_paths(
        args.paths, progress=progress
    )
    bar.close()
    if args.json:
        _print_json(report.as_dict())
    else:
        print(f"Added {report.documents_added} documents ({report.excerpts_added} excerpts).")
        for skipped in report.skipped:
            print(f"Skipped {skipped.reason}")
    return 0


def cmd_corpus_stats(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.store import corpus_stats, open_store

    with open_store(settings).session() as session:
        stats = corpus_stats(session)
    if args.json:
        _print_json(stats)
        return 0
    print(f"Documents: {stats['documents']}\nExcerpts:  {stats['excerpts']}")
    for heading, key in (("By year", "by_year"), ("By review type", "by_review_type")):
        print(f"{heading}:")
        for value, count in stats[key].items():  # type: ignore[union-attr]
            print(f"  {value:<50} {count:>5}")
    return 0


def cmd_corpus_show(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.store import get_document, open_store

    with open_store(settings).session() as session:
        doc = get_document(session, args.doc_id)
        if args.json:
            _print_json({
                "id": doc.id, "title": doc.title, "source_name": doc.source_name,
                "sha256": doc.sha256, "metadata": doc.meta, "ingested_at": doc.ingested_at,
                "text": doc.text,
                "excerpts": [
                    {"id": e.id, "start": e.start, "end": e.end, "section": e.section,
                     "text": e.text} for e in doc.excerpts
                ],
            })
            return 0
        print(f"Document {doc.id}: {doc.title}\nSource:   {doc.source_name}")
        for key, value in sorted(doc.meta.items()):
            print(f"{key + ':':<10}{value}")
        print(f"Excerpts: {len(doc.excerpts)}\n")
        section = None
        for e in doc.excerpts:
            if e.section != section:
                section = e.section
                print(f"## {section}\n")
            print(f"[{e.id}] {e.start}-{e.end}\n{e.text}\n")
    return 0


def cmd_corpus_list(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.store import list_documents, open_store

    filters = dict(f.split("=", 1) for f in args.where)
    with open_store(settings).session() as session:
        docs = list_documents(session, **filters)
        rows = [{"id": d.id, "title": d.title, "source_name": d.source_name,
                 "excerpts": len(d.excerpts), "metadata": d.meta} for d in docs]
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            print(f"{r['id']:>5}  {r['title'][:70]:<70}  {r['excerpts']:>4} excerpts")
    return 0


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    values = {name: str(getattr(settings, name)) for name, _, _ in Settings.describe()}
    if settings.originals_key:
        values["originals_key"] = "(set)"
    values["database (in effect)"] = settings.database
    if args.json:
        _print_json(values)
    else:
        for name, default, text in Settings.describe():
            print(f"{name} = {values[name]}\n    {text} (default: {default})")
    return 0


def cmd_redact_check(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.corpus import collect_files, read_file
    from workbench.corpus.document import Skipped
    from workbench.privacy.redact import load_redactor, redact_document

    redactor = load_redactor(settings)
    files, skipped = collect_files(args.paths, settings.ingest_ignore)
    documents = []
    for path, name in files:
        for item in read_file(path, name, settings):
            if isinstance(item, Skipped):
                skipped.append(item)
                continue
            redaction = redact_document(item.text, redactor).redaction
            findings = [{
                "kind": kind, "start": start, "end": end,
                "line": item.text.count("\n", 0, start) + 1, "text": item.text[start:end],
                "pseudonym": pseudonym,
            } for start, end, _, _, kind, pseudonym in redaction.replacements]
            documents.append({"file": item.source_name, "counts": redaction.counts(), "findings": findings})
    if args.json:
        _print_json({"documents": documents, "skipped": [s.as_dict() for s in skipped]})
        return 0
    for document in documents:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(document["counts"].items())) or "nothing"
        print(f"{document['file']}: {len(document['findings'])} to redact ({counts})")
        for f in document["findings"]:
            shown = " ".join(f["text"].split())
            print(f"  line {f['line']:<5} {f['kind']:<14} {shown!r} -> {f['pseudonym']}")
    for item in skipped:
        print(f"Skipped {item.reason}")
    print("Nothing was ingested; `workbench ingest` redacts the same way before storing.")
    return 0


def cmd_originals_key(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.privacy.originals import new_key

    print(new_key())
    return 0


def cmd_originals_show(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.privacy.originals import read_original
    from workbench.store import get_document, open_store, record_event

    store = open_store(settings)
    with store.session() as session:
        sha = get_document(session, args.doc_id).sha256
    text = read_original(settings, sha)
    with store.session() as session:
        record_event(session, args.actor, "original.read", f"document:{args.doc_id}", {})
    print(text)
    return 0


def cmd_model_fit(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.analysis.embed import make_embedder
    from workbench.analysis.runs import fit_run
    from workbench.analysis.topics import TopicConfig
    from workbench.coding.codebook import load_codebook
    from workbench.coding.gold import excerpt_labels, read_gold
    from workbench.store import open_store

    if args.if_none:
        from workbench.analysis.runs import list_runs

        if list_runs(settings.runs_dir):
            print(f"Runs already exist in {settings.runs_dir}; nothing fitted.", file=sys.stderr)
            return 0
    config = TopicConfig.from_toml(args.config)
    if args.seed is not None:
        config.seed = args.seed
    if args.embedder:
        config.embedder = args.embedder
    store = open_store(settings)
    gold = None
    if args.gold:
        with store.session() as session:
            gold = excerpt_labels(session, read_gold(args.gold))
    record = fit_run(
        store, settings, config, make_embedder(config.embedder, settings.embedding_model),
        codebook=load_codebook(args.codebook), gold_labels=gold,
        progress=None if args.quiet else lambda stage: print(f"[fit] {stage}", file=sys.stderr),
    )
    metrics = record["metrics"]
    summary = {
        "run_id": record["run_id"], "n_topics": metrics["n_topics"],
        "outlier_share": metrics["outlier_share"], "npmi": metrics["npmi"],
        "diversity": metrics["diversity"], "timings": record["timings"],
    }
    if args.json:
        _print_json(summary)
    else:
        print(f"Saved run {record['run_id']} in {settings.runs_dir}")
        print(_topic_table(record))
        print(", ".join(f"{k} {v}" for k, v in metrics.items() if not isinstance(v, dict)))
    return 0


def _topic_table(record: dict) -> str:
    lines = [f"{'topic':>5}  {'size':>5}  {'theme':<24} words"]
    for t in record["topics"]:
        theme = t["theme"] or ("(outliers)" if t["id"] == -1 else "(emergent)")
        words = ", ".join(w for w, _ in t["words"][:8])
        lines.append(f"{t['id']:>5}  {t['size']:>5}  {theme:<24} {words}")
    return "\n".join(lines)


def cmd_model_list(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.analysis.runs import list_runs

    runs = list_runs(settings.runs_dir)
    if args.json:
        _print_json(runs)
    elif not runs:
        print(f"No runs in {settings.runs_dir}; fit one with `workbench model fit`.")
    else:
        print(f"{'run':<40} {'topics':>6} {'outliers':>8} {'npmi':>7} {'diversity':>9}  model")
        for r in runs:
            print(f"{r['run_id']:<40} {r['n_topics']:>6} {r['outlier_share']:>8.3f} "
                  f"{r['npmi']:>7.3f} {r['diversity']:>9.3f}  {r['embedding_model']}")
    return 0


def cmd_model_show(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.analysis.runs import load_run

    run = load_run(settings.runs_dir, args.run)
    if args.json:
        _print_json(run.record)
        return 0
    r = run.record
    print(f"Run {r['run_id']} ({r['created_at']}), config {r['config']['name']}, seed {r['seed']}")
    print(f"Corpus {r['corpus_hash'][:12]} ({r['n_excerpts']} excerpts), model {r['embedding_model']}")
    print("Timings: " + ", ".join(f"{k} {v}" for k, v in r["timings"].items()))
    print("Metrics: " + ", ".join(f"{k} {v}" for k, v in r["metrics"].items()
                                  if not isinstance(v, dict)))
    print(_topic_table(r))
    return 0


def cmd_model_compare(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.analysis.runs import compare_runs, load_run

    result = compare_runs(load_run(settings.runs_dir, args.run_a),
                          load_run(settings.runs_dir, args.run_b))
    if args.json:
        _print_json(result)
        return 0
    print(f"Stability {result['stability']:.3f}: {len(result['matched'])} topics matched")
    for m in result["matched"]:
        print(f"  {m['a']:>3} <-> {m['b']:<3} {m['similarity']:.3f}  {m['label_a']}  |  {m['label_b']}")
    print(f"Only in {args.run_a}: {result['only_in_a'] or 'none'}")
    print(f"Only in {args.run_b}: {result['only_in_b'] or 'none'}")
    return 0


def _load_any_codebook(path: str):
    from workbench.coding.codebook import load_codebook
    from workbench.exchange.qdc import load_qdc

    return load_qdc(path) if path.lower().endswith(".qdc") else load_codebook(path)


def _codebook_for(store):
    """The stored codebook; the default one is imported (and logged) if none is stored yet."""
    from workbench.coding.codebook import load_codebook
    from workbench.coding.themes import import_codebook, stored_codebook

    codebook = stored_codebook(store)
    if not codebook.themes:
        import_codebook(store, load_codebook(), actor="system")
        codebook = stored_codebook(store)
    return codebook


def cmd_codebook_import(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.coding.themes import import_codebook
    from workbench.store import open_store

    result = import_codebook(open_store(settings), _load_any_codebook(args.file), actor=args.actor)
    if args.json:
        _print_json(result)
    else:
        print(f"Imported {args.file}: {result['added']} themes added, {result['updated']} updated.")
    return 0


def cmd_codebook_export(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.coding.codebook import save_codebook
    from workbench.coding.themes import stored_codebook
    from workbench.exchange.qdc import save_qdc
    from workbench.store import open_store

    codebook = stored_codebook(open_store(settings))
    if not codebook.themes:
        raise WorkbenchError("no codebook in the database; import one with `workbench codebook import FILE`")
    if args.out.lower().endswith(".qdc"):
        save_qdc(codebook, args.out)
    else:
        save_codebook(codebook, args.out)
    print(f"Wrote {len(codebook.themes)} themes to {args.out}", file=sys.stderr)
    return 0


def cmd_codebook_list(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.coding.themes import stored_codebook
    from workbench.store import open_store

    codebook = stored_codebook(open_store(settings), include_inactive=args.all)
    if args.json:
        _print_json([{"id": t.id, "name": t.name, "parent": t.parent, "codable": t.codable,
                      "seeds": t.seeds, "colour": t.colour} for t in codebook.themes])
        return 0
    if not codebook.themes:
        print("No codebook yet; import one with `workbench codebook import FILE`.")
    for theme in codebook.themes:
        depth = len(codebook.path(theme.id)) - 1
        print(f"{'  ' * depth}{theme.id:<24} {theme.name}{'' if theme.codable else '  (group)'}")
    return 0


def cmd_suggest(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.analysis.embed import embedding_cache, make_embedder
    from workbench.analysis.runs import latest_run, load_run
    from workbench.coding.suggest import suggest
    from workbench.store import open_store

    store = open_store(settings)
    if args.if_none:
        from workbench.coding.suggest import latest_batch

        if latest_batch(store) is not None:
            print("Suggestions already exist; nothing done.", file=sys.stderr)
            return 0
    run = load_run(settings.runs_dir, args.run) if args.run else (
        None if args.no_run else latest_run(settings.runs_dir))
    result = suggest(store, _codebook_for(store), make_embedder(args.embedder, settings.embedding_model),
                     cache=embedding_cache(settings), run=run, spacy_model=settings.spacy_model,
                     actor=args.actor)
    if args.json:
        _print_json({"excerpts": result["excerpts"], "suggestions": result["suggestions"]})
    else:
        print(f"{result['suggestions']} suggestions for {result['excerpts']} excerpts "
              f"(batch {result['batch']}{', run ' + run.run_id if run else ''}).")
    return 0


def cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.analysis.embed import embedding_cache, make_embedder
    from workbench.coding.evaluate import evaluate_folder, evaluate_gold
    from workbench.coding.gold import excerpt_labels, read_gold
    from workbench.store import open_store

    embedder = make_embedder(args.embedder, settings.embedding_model)
    cache = embedding_cache(settings)
    target = Path(args.gold)
    store = open_store(settings)
    codebook = _codebook_for(store)
    if target.is_dir():
        result = evaluate_folder(target, codebook, embedder, cache, spacy_model=settings.spacy_model)
    else:
        with store.session() as session:
            labels = excerpt_labels(session, read_gold(target))
        result = evaluate_gold(store, labels, codebook, embedder, cache, spacy_model=settings.spacy_model)
    if args.json:
        _print_json(result)
        return 0
    print(f"{'theme':<24} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>7}")
    for theme, s in result["per_theme"].items():
        print(f"{theme:<24} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f} {s['support']:>7}")
    print(f"macro-F1 {result['macro_f1']:.3f}, micro-F1 {result['micro_f1']:.3f}")
    return 0


def cmd_agreement(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.coding.agreement import coding_agreement
    from workbench.coding.review import list_codings
    from workbench.coding.themes import stored_codebook
    from workbench.store import open_store

    store = open_store(settings)
    theme_ids = [t.id for t in stored_codebook(store, include_inactive=True).codable]
    result = coding_agreement(list_codings(store), theme_ids)
    if args.json:
        _print_json(result)
        return 0
    if not result["per_theme"]:
        print("No confirmed codings yet: agreement needs at least two coders' decisions.")
        return 0

    def fmt(value):
        return "   -  " if value is None else f"{value:6.3f}"

    print(f"Coders: {', '.join(result['coders'])}")
    print(f"{'theme':<24} {'units':>6} {'percent':>7} {'kappa':>6} {'alpha':>6} {'disagree':>8}")
    for theme, row in result["per_theme"].items():
        print(f"{theme:<24} {row['units']:>6} {fmt(row['percent'])} {fmt(row['kappa'])} "
              f"{fmt(row['alpha'])} {len(row['disagreements']):>8}")
    overall = result["overall"]
    print(f"{'overall':<24} {overall['units']:>6} {fmt(overall['percent'])} {fmt(overall['kappa'])} "
          f"{fmt(overall['alpha'])}")
    return 0


EXPORT_FORMATS = ("csv", "xlsx", "docx", "html", "qdpx", "qdc", "jsonl", "matrix-csv")


def _export_filter(args: argparse.Namespace):
    import datetime as dt

    from workbench.exchange.rows import ExportFilter

    def when(value: str | None) -> dt.datetime | None:
        if not value:
            return None
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise WorkbenchError(f"date {value!r} is not ISO 8601; use e.g. 2026-01-31 or "
                                 "2026-01-31T17:00") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)

    metadata = {}
    for item in args.where:
        key, sep, value = item.partition("=")
        if not sep:
            raise WorkbenchError(f"--where {item!r} must look like FIELD=VALUE, e.g. region=London")
        metadata[key] = value
    return ExportFilter(themes=tuple(args.theme), statuses=tuple(args.status or ["confirmed"]),
                        coders=tuple(args.coder), metadata=metadata, since=when(args.since),
                        until=when(args.until))


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.coding.themes import stored_codebook
    from workbench.exchange import report as report_export
    from workbench.exchange import tabular
    from workbench.exchange.qdc import save_qdc
    from workbench.exchange.qdpx import write_qdpx
    from workbench.exchange.rows import coding_rows
    from workbench.store import open_store

    store = open_store(settings)
    filters = _export_filter(args)
    if args.format == "qdc":
        save_qdc(stored_codebook(store), args.out)
    elif args.format == "qdpx":
        write_qdpx(store, args.out, filters)
    elif args.format in ("docx", "html"):
        report = report_export.build_report(store, filters, title=args.title)
        (report_export.write_docx if args.format == "docx" else report_export.write_html)(report, args.out)
    elif args.format == "matrix-csv":
        tabular.write_matrix_csv(coding_rows(store, filters), args.out, presence=args.presence)
    else:
        keys = tabular.metadata_keys(store, filters)
        writer = {"csv": tabular.write_csv, "xlsx": tabular.write_xlsx}.get(args.format)
        if writer:
            writer(coding_rows(store, filters), args.out, metadata_keys=keys)
        else:
            tabular.write_jsonl(coding_rows(store, filters), args.out)
    print(f"Wrote {args.out}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.exchange.qdpx import read_qdpx
    from workbench.store import open_store

    if not args.file.lower().endswith(".qdpx"):
        raise WorkbenchError(f"{args.file}: only REFI-QDA projects (.qdpx) can be imported here; "
                             "use `workbench ingest` for documents and `workbench codebook import` "
                             "for codebooks")
    result = read_qdpx(open_store(settings), args.file, actor=args.actor, settings=settings)
    if args.json:
        _print_json(result)
    else:
        print(", ".join(f"{k} {v}" for k, v in result.items() if not isinstance(v, list)))
        for skipped in result.get("skipped", []):
            print(f"Skipped {skipped}")
    return 0


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from workbench.store import open_store
    from workbench.users import add_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            raise WorkbenchError("the two passwords differ; nothing was changed")
    user = add_user(open_store(settings), args.name, password, args.role, actor=args.actor)
    print(f"Added {user.name} ({user.role}).")
    return 0


def cmd_user_list(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.store import open_store
    from workbench.users import list_users

    users = list_users(open_store(settings))
    if args.json:
        _print_json([{"name": u.name, "role": u.role} for u in users])
    else:
        for u in users:
            print(f"{u.name:<30} {u.role}")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from workbench.store import open_store
    from workbench.users import count_users

    if not is_loopback(args.host) and count_users(open_store(settings)) == 0:
        raise WorkbenchError(
            f"refusing to serve on {args.host}: serving beyond 127.0.0.1 requires sign-in, "
            "and no users exist; add one with `workbench user add NAME --role admin`, or serve "
            "on 127.0.0.1"
        )
    if not APP.exists():
        raise WorkbenchError(f"{APP} not found; run `workbench serve` from a source checkout")
    env = {**os.environ, "WORKBENCH_HOME": str(settings.home.resolve()),
           "WORKBENCH_SERVER_ADDRESS": args.host}
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", args.host, "--server.port", str(args.port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]
    print(f"Serving the workbench on http://{args.host}:{args.port} (Ctrl+C to stop)",
          file=sys.stderr, flush=True)
    # Become the server, so that a stop signal (Ctrl+C, or a supervisor's SIGTERM) reaches it
    # rather than leaving it running without a parent.
    os.execve(sys.executable, command, env)
    return 0  # not reached


# -- parser -------------------------------------------------------------------------------


def _command(sub, name: str, handler: Handler, summary: str, example: str, parents):
    parser = sub.add_parser(
        name, help=summary, description=summary, parents=parents,
        epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home", metavar="DIR", default=argparse.SUPPRESS,
        help="workbench home holding the database and caches (default: $WORKBENCH_HOME or ./data)",
    )
    parser = argparse.ArgumentParser(
        prog="workbench", parents=[common],
        description="Safeguarding Themes Workbench: thematic analysis of safeguarding reviews.",
        epilog="example:\n  workbench ingest corpus/sample && workbench corpus stats",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = _command(sub, "ingest", cmd_ingest,
                 "Read review documents (.txt .md .docx .pdf .csv .xlsx .jsonl .zip, or folders "
                 "of them) into the database; bad files are reported and skipped.",
                 "workbench ingest corpus/sample --manifest corpus/sample/manifest.csv --json",
                 [common])
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to ingest")
    p.add_argument("--manifest", metavar="FILE",
                   help="CSV or YAML mapping file names to metadata (default: manifest.csv or "
                        "manifest.yaml inside a given folder)")
    p.add_argument("--json", action="store_true", help="print one JSON object with the result")
    p.add_argument("--if-empty", action="store_true",
                   help="do nothing if the database already holds documents")
    p.add_argument("--actor", default="system", help="name recorded in the event log")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    corpus = sub.add_parser("corpus", help="Inspect the ingested corpus.",
                            description="Inspect the ingested corpus.", parents=[common])
    csub = corpus.add_subparsers(dest="corpus_command", metavar="COMMAND", required=True)
    p = _command(csub, "stats", cmd_corpus_stats,
                 "Count documents and excerpts, by year and by review type.",
                 "workbench corpus stats --json", [common])
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = _command(csub, "list", cmd_corpus_list, "List documents, optionally filtered by metadata.",
                 "workbench corpus list --where region=London --where year=2021", [common])
    p.add_argument("--where", action="append", default=[], metavar="FIELD=VALUE",
                   help="keep documents whose metadata FIELD equals VALUE (repeatable)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p = _command(csub, "show", cmd_corpus_show, "Print one document with its excerpts.",
                 "workbench corpus show 12", [common])
    p.add_argument("doc_id", type=int, metavar="DOC_ID")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    model = sub.add_parser("model", help="Fit, list, show and compare topic-model runs.",
                           description="Fit, list, show and compare topic-model runs.",
                           parents=[common])
    msub = model.add_subparsers(dest="model_command", metavar="COMMAND", required=True)
    p = _command(msub, "fit", cmd_model_fit,
                 "Fit a topic model on the ingested corpus and save it as a run.",
                 "workbench model fit --config models/fast.toml --embedder fake --seed 7 --json",
                 [common])
    p.add_argument("--config", default=str(DEFAULT_CONFIG), metavar="FILE",
                   help="model config (TOML; default models/default.toml)")
    p.add_argument("--embedder", choices=["default", "fake"],
                   help="override the config's embedder: the real model, or the fast fake one")
    p.add_argument("--seed", type=int, help="override the config's random seed")
    p.add_argument("--codebook", default=str(DEFAULT_CODEBOOK), metavar="FILE",
                   help="codebook guiding the run (default: the Panel themes)")
    p.add_argument("--gold", metavar="FILE",
                   help="gold.jsonl to score the run against (NMI, ARI, theme F1)")
    p.add_argument("--if-none", action="store_true", help="do nothing if a run already exists")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p = _command(msub, "list", cmd_model_list, "List saved runs with their metrics.",
                 "workbench model list --json", [common])
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p = _command(msub, "show", cmd_model_show, "Show a run: settings, timings, metrics, topics.",
                 "workbench model show 20261125-101500-default-s42", [common])
    p.add_argument("run", metavar="RUN")
    p.add_argument("--json", action="store_true", help="print the whole run record")
    p = _command(msub, "compare", cmd_model_compare,
                 "Align the topics of two runs and report their stability.",
                 "workbench model compare RUN_A RUN_B --json", [common])
    p.add_argument("run_a", metavar="RUN_A")
    p.add_argument("run_b", metavar="RUN_B")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    codebook = sub.add_parser("codebook", help="Import, export and list the codebook.",
                              description="Import, export and list the codebook.", parents=[common])
    cbsub = codebook.add_subparsers(dest="codebook_command", metavar="COMMAND", required=True)
    p = _command(cbsub, "import", cmd_codebook_import,
                 "Add a codebook's themes to the database (YAML, or REFI-QDA .qdc); existing themes "
                 "are updated.", "workbench codebook import corpus/codebooks/panel-themes.yaml", [common])
    p.add_argument("file", metavar="FILE")
    p.add_argument("--actor", default="system", help="name recorded in the event log")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = _command(cbsub, "export", cmd_codebook_export,
                 "Write the stored codebook as YAML, or as REFI-QDA .qdc for NVivo, ATLAS.ti, MAXQDA.",
                 "workbench codebook export --out themes.qdc", [common])
    p.add_argument("--out", required=True, metavar="FILE", help="a .yaml/.yml or .qdc file")
    p = _command(cbsub, "list", cmd_codebook_list, "Show the theme hierarchy.",
                 "workbench codebook list --json", [common])
    p.add_argument("--all", action="store_true", help="include retired and merged themes")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = _command(sub, "suggest", cmd_suggest,
                 "Suggest themes for every excerpt, with evidence, as a new batch for the review "
                 "queue (the default codebook is imported first if none is stored).",
                 "workbench suggest --run 20261125-234116-default-s42 --json", [common])
    p.add_argument("--run", metavar="RUN", help="topic run for topic evidence (default: the latest)")
    p.add_argument("--no-run", action="store_true", help="use no topic run")
    p.add_argument("--if-none", action="store_true", help="do nothing if suggestions already exist")
    p.add_argument("--embedder", choices=["default", "fake"], default="default")
    p.add_argument("--actor", default="system", help="name recorded in the event log")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = _command(sub, "evaluate", cmd_evaluate,
                 "Score suggestions against gold labels: a gold.jsonl for the ingested corpus, or a "
                 "folder of *.txt with labels.csv (file,themes; themes separated by ';').",
                 "workbench evaluate --gold corpus/sample/gold.jsonl --json", [common])
    p.add_argument("--gold", default=str(DEFAULT_CODEBOOK.parent.parent / "sample" / "gold.jsonl"),
                   metavar="FILE_OR_FOLDER", help="default: the sample corpus's gold.jsonl")
    p.add_argument("--embedder", choices=["default", "fake"], default="default")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = _command(sub, "agreement", cmd_agreement,
                 "Inter-coder agreement per theme and overall: percent, Cohen's kappa, "
                 "Krippendorff's alpha, and what coders disagree on.", "workbench agreement --json",
                 [common])
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = _command(sub, "export", cmd_export,
                 "Export coded excerpts (confirmed ones by default): CSV, Excel, Word, HTML, REFI-QDA "
                 "project (.qdpx) or codebook (.qdc), JSON lines, or a theme x document matrix.",
                 "workbench export --format csv --out codings.csv --theme national_reviews "
                 "--where region=London", [common])
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--theme", action="append", default=[], metavar="ID",
                   help="only these themes and their descendants (repeatable)")
    p.add_argument("--status", action="append", choices=["confirmed", "rejected", "suggested"],
                   help="codings with this status (repeatable; default: confirmed)")
    p.add_argument("--coder", action="append", default=[], metavar="NAME", help="only these coders")
    p.add_argument("--where", action="append", default=[], metavar="FIELD=VALUE",
                   help="only documents whose metadata FIELD equals VALUE (repeatable)")
    p.add_argument("--since", metavar="DATE", help="codings changed on or after this ISO date")
    p.add_argument("--until", metavar="DATE", help="codings changed on or before this ISO date")
    p.add_argument("--presence", action="store_true", help="matrix-csv: 1/0 instead of counts")
    p.add_argument("--title", default="Coded excerpts", help="docx/html: the report's title")

    p = _command(sub, "import", cmd_import,
                 "Import a REFI-QDA project (.qdpx): its documents, codebook and codings.",
                 "workbench import project.qdpx --actor alice", [common])
    p.add_argument("file", metavar="FILE")
    p.add_argument("--actor", default="system", help="name recorded in the event log")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    user = sub.add_parser("user", help="Manage app users (needed to serve beyond 127.0.0.1).",
                          description="Manage app users (needed to serve beyond 127.0.0.1).",
                          parents=[common])
    usub = user.add_subparsers(dest="user_command", metavar="COMMAND", required=True)
    p = _command(usub, "add", cmd_user_add,
                 "Add a user with a role: admin, reviewer (codes and decides) or viewer (reads only). "
                 "The password is asked for twice.", "workbench user add alice --role reviewer", [common])
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", required=True, choices=["admin", "reviewer", "viewer"])
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input (for scripts)")
    p.add_argument("--actor", default="system", help="name recorded in the event log")
    p = _command(usub, "list", cmd_user_list, "List users and their roles.", "workbench user list",
                 [common])
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = _command(sub, "redact", cmd_redact_check,
                 "Show what ingest would redact in files or folders, with the original text (on this "
                 "terminal only), line and pseudonym; nothing is stored.",
                 "workbench redact --check corpus/sample/003-baby-r-head-injury-rapid-review.txt",
                 [common])
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to check")
    p.add_argument("--check", action="store_true", required=True,
                   help="required: only report (redaction itself happens at ingest)")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    originals = sub.add_parser(
        "originals", help="Keys for, and reading of, unredacted originals kept encrypted.",
        description="Keys for, and reading of, unredacted originals (kept only with "
                    "WORKBENCH_KEEP_ORIGINALS=encrypted).", parents=[common])
    osub = originals.add_subparsers(dest="originals_command", metavar="COMMAND", required=True)
    _command(osub, "key", cmd_originals_key,
             "Print a new random key to set as WORKBENCH_ORIGINALS_KEY (keep it apart from the data).",
             "export WORKBENCH_ORIGINALS_KEY=$(workbench originals key)", [common])
    p = _command(osub, "show", cmd_originals_show,
                 "Print a document's unredacted original (needs WORKBENCH_ORIGINALS_KEY); each reading "
                 "is recorded in the event log.", "workbench originals show 12 --actor alice", [common])
    p.add_argument("doc_id", type=int, metavar="DOC_ID")
    p.add_argument("--actor", required=True, help="who is reading, recorded in the event log")

    p = _command(sub, "settings", cmd_settings, "Show every setting, its value and what it does.",
                 "WORKBENCH_MAX_FILE_MB=10 workbench settings", [common])
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = _command(sub, "serve", cmd_serve, "Start the Streamlit app (on 127.0.0.1 by default).",
                 "workbench serve --port 8501", [common])
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(home=getattr(args, "home", None))
        return args.handler(args, settings)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
