"""Helpers shared by the spreadsheet import rows (membership.import.line and
membership.import.figure): their row numbers and how they find a member."""

MEMBER_KEYS = (("member_ref", "ref"), ("member_vat", "vat"), ("member_email", "email"))


def number_rows(model, vals_list):
    """Give each new row the row of the file it comes from (the header is
    row 1): the rows this user created in this transaction come first."""
    done = model.search_count([("create_uid", "=", model.env.uid), ("create_date", "=", model.env.cr.now())])
    for index, vals in enumerate(vals_list):
        vals.setdefault("row", done + index + 2)


def member_searches(row):
    """(column, contacts found) for each member key the row gives, in the
    order reference, VAT, email; a VAT finds the company (its contacts
    share it)."""
    Partner = row.env["res.partner"].with_context(active_test=False)
    company_domain = [("company_id", "in", (False, row.company_id.id))]
    for column, fname in MEMBER_KEYS:
        value = (row[column] or "").strip()
        if not value:
            continue
        op = "=ilike" if fname == "email" else "="
        found = Partner.search([(fname, op, value), *company_domain], limit=None if fname == "vat" else 2)
        if fname == "vat":
            found = found.commercial_partner_id
        yield column, found
