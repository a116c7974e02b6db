"""Classifier commands of `parceldesk`: evaluation, reclassification, merchants' taught rules."""

import json
import sys


def run_evaluate(args):
    """Print leave-one-source-out accuracy of rules only and rules+model on the corpus."""
    from jobs.tracking.corpus import load_histories, load_texts
    from jobs.tracking.evaluate import evaluate, format_report
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


PROMOTED_PRIORITY = 90  # an operator's promoted rule beats the shipped tables


def add_commands(sub):
    """Register `reclassify` and `merchant-rules` on the `parceldesk` sub-parser."""
    again = sub.add_parser("reclassify", help="reclassify stored shipments from stored events")
    again.add_argument("--merchant", metavar="EMAIL")
    again.add_argument(
        "--background", action="store_true", help="queue it for the workers instead of now"
    )
    again.set_defaults(run=run_reclassify)
    rules = sub.add_parser("merchant-rules", help="list merchants' taught rules, or promote one")
    rules.add_argument("--merchant", metavar="EMAIL")
    rules.add_argument("--promote", type=int, metavar="ID", help="copy rule ID into phrases.json")
    rules.add_argument("--rules-file", metavar="FILE", help="rule file to promote into")
    rules.set_defaults(run=run_merchant_rules)


def _merchant_id(email):
    if not email:
        return None
    from webapp.cli_data import _merchant

    return _merchant(email).id


def run_reclassify(args):
    """Reclassify now (progress on stderr, a JSON summary on stdout), or queue the job."""
    from webapp.cli import setup

    setup()
    merchant_id = _merchant_id(args.merchant)
    if args.background:
        from config import settings as settings_module
        from jobs.queues import enqueue_reclassify, redis_connection

        job = enqueue_reclassify(
            redis_connection(settings_module.load()), merchant_id, "operator request"
        )
        print(json.dumps({"job_id": job.id}))
        return
    from jobs.reclassify import reclassify_shipments

    print(json.dumps(reclassify_shipments(merchant_id, "operator request")))


def run_merchant_rules(args):
    """One JSON object per taught rule; with --promote, copy that rule into the rule file."""
    from jobs.store.models import Merchant, MerchantRule, utcnow
    from webapp.cli import UserError, setup

    setup()
    if args.promote is not None:
        rule = MerchantRule.get_or_none(MerchantRule.id == args.promote)
        if rule is None:
            raise UserError(f"no merchant rule with the id {args.promote}.")
        promote(rule, args.rules_file)
        MerchantRule.update(promoted_at=utcnow()).where(MerchantRule.id == rule.id).execute()
        print(json.dumps({"promoted": rule.id, "phrase": rule.sample}, ensure_ascii=False))
        return
    query = MerchantRule.select(MerchantRule, Merchant).join(Merchant).order_by(MerchantRule.id)
    merchant_id = _merchant_id(args.merchant)
    if merchant_id is not None:
        query = query.where(MerchantRule.merchant == merchant_id)
    for rule in query:
        row = {
            "id": rule.id,
            "merchant": rule.merchant.email,
            "text": rule.sample,
            "status": rule.status,
            "reason": rule.reason,
            "promoted": rule.promoted_at is not None,
        }
        print(json.dumps(row, ensure_ascii=False))


def promote(rule, rules_file=None) -> None:
    """Add the rule's wording to the instance's phrases.json, in an operator-promoted group."""
    from pathlib import Path

    from jobs.tracking.phrases import load_phrases
    from jobs.tracking.taxonomy import CONFIG_DIR

    path = Path(rules_file or CONFIG_DIR / "phrases.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    key = (rule.status, rule.reason, PROMOTED_PRIORITY)
    group = next(
        (g for g in data["rules"] if (g["status"], g["reason"], g["priority"]) == key), None
    )
    if group is None:
        group = {"status": key[0], "reason": key[1], "priority": key[2], "phrases": {}}
        data["rules"].append(group)
    phrases = group["phrases"].setdefault("promoted", [])
    if rule.sample not in phrases:
        phrases.append(rule.sample)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    scratch = path.with_suffix(".json.new")
    scratch.write_text(text, encoding="utf-8")
    load_phrases(scratch)  # never write a rule file that does not load
    scratch.replace(path)
