# Run inside `odoo-bin shell` (dev/bench.sh pieces) on a seeded database.
#
# What one piece of Odoo's invoice creation costs: Odoo's own batch create and
# post of the same invoices (the campaign benchmark's floor), in variants that
# each change one thing, run batch after batch in turns (A B C, then C B A...)
# on one database, so that a slower or busier moment of the machine falls on
# every variant alike. Per variant: the median per invoice of creating and of
# posting a batch (ms), and queries per invoice. Then every invoice made is
# compared (lines, amounts, taxes, due dates, totals, state): the variants
# must make the same documents.
#
# MD_BENCH_VARIANTS (default "plain amounts partner untracked"):
#   plain      the floor: product, description, unit price per line;
#   amounts    the lines given the amounts Odoo computes for them, as the dues
#              path does (account.move._membership_prepare_line_amounts);
#   partner    the lines given their partner (Odoo's compute gives the same);
#   untracked  posted without field tracking (mail_notrack).
# MD_BENCH_CHUNK (default 100): invoices per batch.
# pylint: skip-file
import os
import statistics
import time
from datetime import date

from odoo import Command

from odoo.addons.membership_dues.models.membership_subscription import INVOICE_STATISTICS
from odoo.addons.membership_dues.tools.orm_batch import refresh_statistics

plain_env = env  # noqa: F821
cr = plain_env.cr
variants = os.environ.get("MD_BENCH_VARIANTS", "plain amounts partner untracked").split()
chunk = int(os.environ.get("MD_BENCH_CHUNK", "100"))
Move = plain_env["account.move"]
company = plain_env.company
journal = plain_env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", company.id)], limit=1)
subscriptions = plain_env["membership.subscription"].search([], order="id")
partners = subscriptions.partner_id
product = subscriptions.plan_id.product_id[:1]


def invoice_values(partner, variant):
    line = {"product_id": product.id, "name": "Dues 2027", "quantity": 1, "price_unit": 120.0}
    if variant == "partner":
        line["partner_id"] = partner.id
    vals = {
        "move_type": "out_invoice",
        "partner_id": partner.id,
        "journal_id": journal.id,
        "company_id": company.id,
        "currency_id": company.currency_id.id,
        "invoice_date": date(2026, 12, 1),
        "invoice_line_ids": [Command.create(line)],
    }
    if variant == "amounts":
        Move._membership_prepare_line_amounts(vals)
    return vals


def turns(count):
    """The variant of each batch: A B C, C B A, A B C..."""
    order = []
    while len(order) < count:
        order += variants if (len(order) // len(variants)) % 2 == 0 else variants[::-1]
    return order[:count]


figures = {variant: {"create": [], "post": [], "create_q": [], "post_q": []} for variant in variants}
made = {variant: [] for variant in variants}
batches = [partners[i : i + chunk].with_prefetch() for i in range(0, len(partners) - chunk + 1, chunk)]
for batch, variant in zip(batches, turns(len(batches)), strict=True):
    queries, start = cr.sql_log_count, time.perf_counter()
    moves = Move.create([invoice_values(partner, variant) for partner in batch])
    plain_env.flush_all()
    created, created_queries = time.perf_counter(), cr.sql_log_count
    for model in INVOICE_STATISTICS:  # as the dues path and the floor do before posting a batch
        refresh_statistics(plain_env[model])
    analysed, analysed_queries = time.perf_counter(), cr.sql_log_count
    (moves.with_context(mail_notrack=True) if variant == "untracked" else moves).action_post()
    plain_env.flush_all()
    cr.precommit.run()
    posted, posted_queries = time.perf_counter(), cr.sql_log_count
    cr.commit()
    plain_env.invalidate_all()
    row = figures[variant]
    row["create"].append((created - start) * 1000 / len(batch))
    row["post"].append((posted - analysed) * 1000 / len(batch))
    row["create_q"].append((created_queries - queries) / len(batch))
    row["post_q"].append((posted_queries - analysed_queries) / len(batch))
    made[variant] += moves.ids


def shape(move):
    lines = sorted(
        (
            line.display_type,
            line.account_id.id,
            line.name if line.display_type != "payment_term" else "",
            tuple(line.tax_ids.ids),
            tuple(line.tax_tag_ids.ids),
            line.partner_id == move.commercial_partner_id,
            line.amount_currency,
            line.balance,
            line.price_subtotal,
            line.amount_residual,
            line.date_maturity,
        )
        for line in move.line_ids
    )
    return (tuple(lines), move.amount_untaxed, move.amount_tax, move.amount_total, move.state, move.invoice_date_due)


print(f"{len(partners)} invoices in batches of {chunk}, {len(batches)} batches taken in turns by {', '.join(variants)}")
print("(the first batch of each variant left out of the medians: caches warming up)")
plain = figures[variants[0]]
base = statistics.median(plain["create"][1:]) + statistics.median(plain["post"][1:])
print(
    f"{'variant':<12}{'batches':>8}{'create ms':>11}{'post ms':>9}{'total ms':>10}{'/ ' + variants[0]:>10}"
    f"{'queries':>9}{'messages':>10}"
)
for variant, row in figures.items():
    create, post = statistics.median(row["create"][1:]), statistics.median(row["post"][1:])
    queries = statistics.median(row["create_q"]) + statistics.median(row["post_q"])
    messages = plain_env["mail.message"].search_count(
        [("model", "=", "account.move"), ("res_id", "in", made[variant])]
    ) / len(made[variant])
    print(
        f"{variant:<12}{len(row['create']):>8}{create:>11.2f}{post:>9.2f}{create + post:>10.2f}"
        f"{(create + post) / base:>10.2f}{queries:>9.1f}{messages:>10.1f}"
    )
shapes = {variant: {shape(move) for move in Move.browse(ids)} for variant, ids in made.items()}
same = all(s == shapes[variants[0]] for s in shapes.values())
print("documents: the same in every variant" if same else f"documents DIFFER: {shapes}")
if not same:
    raise SystemExit(1)
