"""Classifier commands of `parceldesk`: evaluation, reclassification, merchants' taught rules."""

import json
import sys


def run_evaluate(args):
    """Print leave-one-source-out accuracy of rules only and rules+model on the corpus."""
    from jobs.corpus import load_histories, load_texts
    from jobs.evaluate import evaluate, format_report
    from webapp.cli import UserError

    if not load_texts(args.corpus) and not load_histories(args.corpus):
        raise UserError(f"no corpus in {args.corpus or 'config/corpus'} (events/*.jsonl).")
    report = evaluate(args.corpus, folds=args.folds)
    if args.json:
        figures = {
            mode: {kind: tally.as_dict() for kind, tally in kinds.items()}
            for mode, kinds in report.items()
        }
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print(format_report(report, args.errors))
    sys.stdout.flush()
