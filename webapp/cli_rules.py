"""Classifier commands of `parceldesk`: evaluation, reclassification, merchants' taught rules."""

import json
import sys

import click

from webapp.cli_common import merchant_by_email, setup


def evaluate_corpus(corpus, folds, errors, as_json):
    """Print leave-one-source-out accuracy of rules only and rules+model on the corpus."""
    from jobs.tracking.corpus import load_histories, load_texts
    from jobs.tracking.evaluate import evaluate, format_report

    if not load_texts(corpus) and not load_histories(corpus):
        raise click.ClickException(f"no corpus in {corpus or 'config/corpus'} (events/*.jsonl).")
    report = evaluate(corpus, folds=folds)
    if as_json:
        figures = {
            mode: {kind: tally.as_dict() for kind, tally in kinds.items()}
            for mode, kinds in report.items()
        }
        print(json.dumps(figures, ensure_ascii=False))
    else:
        print(format_report(report, errors))
    sys.stdout.flush()


PROMOTED_PRIORITY = 90  # an operator's promoted rule beats the shipped tables


def _merchant_id(email):
    return merchant_by_email(email).id if email else None


@click.command(short_help="reclassify stored shipments from stored events")
@click.option("--merchant", metavar="EMAIL", help="only this account's shipments (default: all)")
@click.option("--background", is_flag=True, help="queue it for the workers instead of now")
def reclassify(merchant, background):
    """Reclassify stored shipments from their stored events (after a rule change): now, with
    progress on stderr and a JSON summary on stdout, or queued with --background.
    """
    setup()
    merchant_id = _merchant_id(merchant)
    if background:
        from config import settings as settings_module
        from jobs.queues import enqueue_reclassify, redis_connection

        job = enqueue_reclassify(
            redis_connection(settings_module.load()), merchant_id, "operator request"
        )
        print(json.dumps({"job_id": job.id}))
        return
    from jobs.reclassify import reclassify_shipments

    print(json.dumps(reclassify_shipments(merchant_id, "operator request")))


@click.command("merchant-rules", short_help="list merchants' taught rules, or promote one")
@click.option("--merchant", metavar="EMAIL", help="only this account's rules (default: all)")
@click.option(
    "--promote", type=int, metavar="ID", help="copy rule ID into the rule file (phrases.json)"
)
@click.option(
    "--rules-file",
    metavar="FILE",
    help="rule file to promote into (default: config/phrases.json)",
)
def merchant_rules(merchant, promote, rules_file):
    """One JSON object per rule merchants taught; with --promote, copy that rule's wording into
    the shipped rule file so every merchant gets it.
    """
    from jobs.store.models import Merchant, MerchantRule, utcnow

    setup()
    if promote is not None:
        rule = MerchantRule.get_or_none(MerchantRule.id == promote)
        if rule is None:
            raise click.ClickException(f"no merchant rule with the id {promote}.")
        promote_rule(rule, rules_file)
        MerchantRule.update(promoted_at=utcnow()).where(MerchantRule.id == rule.id).execute()
        print(json.dumps({"promoted": rule.id, "phrase": rule.sample}, ensure_ascii=False))
        return
    query = MerchantRule.select(MerchantRule, Merchant).join(Merchant).order_by(MerchantRule.id)
    merchant_id = _merchant_id(merchant)
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


COMMANDS = [reclassify, merchant_rules]


def promote_rule(rule, rules_file=None) -> None:
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
