"""What a portal user reads of the module's data over JSON-RPC: for every
model the user may read, the fields the module adds that fields_get shows
and that search_read returns must be on the allow-list below, and the
officers' notes, the stored fee data and the access token never come back."""

import json
import logging

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import MembershipPortalCommon

_logger = logging.getLogger(__name__)

MODULE = "membership_dues"
ACCESS_ERROR = "odoo.exceptions.AccessError"

# Odoo's log fields, on every model.
LOG_FIELDS = {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date"}
# What Odoo's discussion and activity mixins show a portal user (their own
# rules decide which messages); the others are for internal users.
MAIL_FIELDS = {
    "message_ids",
    "website_message_ids",
    "message_is_follower",
    "has_message",
    "message_needaction",
    "message_needaction_counter",
    "message_has_error",
    "message_has_error_counter",
    "message_has_sms_error",
    "activity_type_icon",
    "activity_exception_decoration",
    "activity_exception_icon",
}

# What a member may read, model by model, of the fields the module adds (of
# every field on its own membership.* models). Any other model: nothing.
ALLOWED = {
    "membership.renewal": LOG_FIELDS
    | MAIL_FIELDS
    | {
        # the notice as the member's pages show it
        "partner_id",
        "plan_id",
        "company_id",
        "currency_id",
        "date_start",
        "date_end",
        "mode",
        "amount",
        "fee_explanation",
        "state",
        # what the member wrote asking for a change
        "change_comment",
        "invoice_id",
        "payment_state",
        # portal.mixin: the page's address (without its token)
        "access_url",
        "access_warning",
    },
    "res.partner": set(),
    "res.users": set(),
    "account.move": set(),
    "account.move.line": set(),
    # the company's settings for the renewal links and payment references:
    # the same for every member, nothing about one (res.company is readable
    # by everyone, as in Odoo)
    "res.company": {"dues_reminder_delays", "dues_no_reply_months", "dues_link_validity_days", "dues_reference_model"},
}
# Never readable by a member, and named in the brief.
SECRET_FIELDS = ("access_token", "refusal_note", "intervention_reason", "fee_data")
MUST_CHECK = {"membership.renewal", "res.partner", "res.users", "account.move", "account.move.line"}

SECRET_REASON = "md-secret-intervention-reason-3f9a"
SECRET_NOTE = "md-secret-refusal-note-81c2"
SECRET_CHATTER = "md-secret-internal-note-77d0"


@tagged("post_install", "-at_install")
class TestPortalFields(MembershipPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.notice.write(
            {
                "fee_data": {"flat": "300.00", "amount": "300.00", "year": 2027},
                "refusal_note": SECRET_NOTE,
                "refusal_reason_id": cls.env.ref("membership_dues.refusal_reason_price").id,
            }
        )
        # a tracked change (its tracking value names the reason) and an internal note
        cls.notice.with_context(tracking_disable=False, mail_notrack=False).write(
            {"intervention_reason": SECRET_REASON}
        )
        cls.notice.message_post(body=SECRET_CHATTER, subtype_xmlid="mail.mt_note")
        cls.env.cr.precommit.run()
        cls.secrets = (SECRET_REASON, SECRET_NOTE, SECRET_CHATTER, cls.notice.access_token)

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def rpc(self, model, method, *args, **kwargs):
        """(result, None) or (None, exception name) of a real JSON-RPC call.
        Odoo itself fails to serialise some of its own fields for a portal
        user (dict keys that JSON refuses, logged as an error by odoo.http):
        such a field counts as not readable, quietly."""
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}",
                json={
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
                },
                timeout=120,
            )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        if "error" in body:
            return None, body["error"]["data"]["name"]
        return body["result"], None

    def module_fields(self, model):
        """The fields the module adds to ``model`` (all of a membership.* model)."""
        Model = self.env[model]
        if model.startswith("membership."):
            return set(Model._fields)
        return {name for name, field in Model._fields.items() if MODULE in (field._module, field.base_field._module)}

    def readable_models(self, user):
        """The models ``user`` has read access to."""
        models = []
        for name in sorted(self.env.registry):
            Model = self.env[name].with_user(user)
            if Model._abstract:
                continue
            try:
                Model.check_access("read")
            except AccessError:
                continue
            models.append(name)
        return models

    def read_fields(self, model, fnames, limit):
        """(fields search_read returns, texts of the answers): all of
        ``fnames`` at once, else halves of them, down to single fields."""
        if not fnames:
            return set(), []
        result, error = self.rpc(model, "search_read", [], fields=sorted(fnames), limit=limit, order="id desc")
        if not error:
            return set(fnames), [json.dumps(result, default=str)]
        self.calls_failed += 1
        if len(fnames) == 1:
            return set(), []
        names = sorted(fnames)
        first, first_texts = self.read_fields(model, names[: len(names) // 2], limit)
        second, second_texts = self.read_fields(model, names[len(names) // 2 :], limit)
        return first | second, first_texts + second_texts

    # ------------------------------------------------------------------
    # tests
    # ------------------------------------------------------------------
    def test_portal_user_reads_only_member_fields_over_json_rpc(self):
        self.authenticate("paula", "paula-portal-1")
        models = self.readable_models(self.paula)
        self.assertLessEqual(MUST_CHECK, set(models), "the portal user reads these models")
        self.calls_failed = 0
        for model in models:
            added = self.module_fields(model)
            allowed = ALLOWED.get(model, set())
            with self.subTest(model=model):
                described, error = self.rpc(model, "fields_get", attributes=["type"])
                self.assertIsNone(error, f"fields_get of {model}")
                shown = set(described)
                self.assertLessEqual(shown & added, allowed, f"{model}: fields_get shows module fields")
                # the module's models and the models it adds fields to: every record and field;
                # the others: their last 200 records, without files (web assets are public attachments)
                limit = None if added else 200
                to_read = {name for name in shown if added or described[name]["type"] != "binary"}
                readable, texts = self.read_fields(model, to_read, limit)
                self.assertLessEqual(readable & added, allowed, f"{model}: search_read returns module fields")
                for text in texts:
                    for secret in self.secrets:
                        self.assertNotIn(secret, text, f"{model} shows a secret of the notice")
        _logger.info("portal fields: %s models read, %s refused calls", len(models), self.calls_failed)
        # and the module's models the portal user may not read refuse it over RPC too
        for model in sorted(name for name in self.env.registry if name.startswith("membership.")):
            if model in models or self.env[model]._abstract:
                continue
            with self.subTest(model=model):
                _result, error = self.rpc(model, "search_read", [], fields=["id"], limit=1)
                self.assertEqual(error, ACCESS_ERROR, model)

    def test_notice_secrets_are_refused(self):
        self.authenticate("paula", "paula-portal-1")
        described, error = self.rpc("membership.renewal", "fields_get", attributes=["type"])
        self.assertIsNone(error)
        for fname in SECRET_FIELDS:
            with self.subTest(field=fname):
                self.assertNotIn(fname, described)
                for method, args, kwargs in (
                    ("read", [self.notice.ids], {"fields": [fname]}),
                    ("search_read", [[("id", "=", self.notice.id)]], {"fields": [fname]}),
                    ("web_read", [self.notice.ids], {"specification": {fname: {}}}),
                    ("search_count", [[(fname, "!=", False)]], {}),
                ):
                    result, error = self.rpc("membership.renewal", method, *args, **kwargs)
                    self.assertEqual(error, ACCESS_ERROR, f"{method} {fname}: {result}")
        # what the member does read: the notice as the portal page shows it
        result, error = self.rpc(
            "membership.renewal", "read", self.notice.ids, fields=["display_name", "amount", "state", "fee_explanation"]
        )
        self.assertIsNone(error)
        self.assertIn(self.notice.plan_id.name, result[0]["display_name"], "the member reads its notice's name")
        self.assertEqual((result[0]["amount"], result[0]["state"]), (300.0, "sent"))
        self.assertIn("Fee of the plan for a full period", result[0]["fee_explanation"])

    def test_member_pages_still_render(self):
        self.authenticate("paula", "paula-portal-1")
        listing = self.url_open("/my/renewals")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(f'href="/my/renewals/{self.notice.id}"', listing.text)
        self.assertNotIn(self.notice.access_token, listing.text, "no token needed by the member herself")
        page = self.url_open(f"/my/renewals/{self.notice.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Fee of the plan for a full period", page.text)
        for secret in self.secrets:
            self.assertNotIn(secret, page.text)
        self.assertEqual(self.url_open("/my/home").status_code, 200)
        self.authenticate(None, None)
        by_link = self.url_open(f"/my/renewals/{self.notice.id}", params={"access_token": self.notice.access_token})
        self.assertEqual(by_link.status_code, 200)
        self.assertIn("renewal_accept", by_link.text)
        # an anonymous visitor has no JSON-RPC at all
        _result, error = self.rpc("membership.renewal", "search_read", [], fields=["amount"])
        self.assertEqual(error, "odoo.http.SessionExpiredException")
