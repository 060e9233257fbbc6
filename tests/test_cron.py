from datetime import date

from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import MembershipCommon

D = date


@tagged("post_install", "-at_install")
class TestStateCron(MembershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Subscription = cls.env["membership.subscription"].with_context(membership_date_ref=D(2027, 12, 20))
        cls.Subscription = Subscription
        # Paid on 20 December 2027: 2027 is active, 2028 is upcoming.
        partners = cls.env["res.partner"].create([{"name": f"Member {i}"} for i in range(6)])
        cls.current = Subscription.browse()
        cls.upcoming = Subscription.browse()
        for partner in partners:
            cls.current |= cls.paid_subscription(partner, cls.plan_year, "2027-01-01", "2027-12-31")
            cls.upcoming |= cls.paid_subscription(partner, cls.plan_year, "2028-01-01", "2028-12-31")
        # Their states as of 20 December 2027.
        cls.env.add_to_compute(Subscription._fields["state"], Subscription.browse((cls.current | cls.upcoming).ids))
        Subscription.flush_model()

    def run_cron(self, on, batch_size=4):
        with self.patched_commit_progress() as progress:
            remaining = self.env["membership.subscription"]._cron_update_states(batch_size=batch_size, today=on)
        self.env.invalidate_all()
        return remaining, progress

    def test_new_year_activates_and_expires_and_a_second_run_changes_nothing(self):
        self.assertEqual(set(self.current.mapped("state")), {"active"})
        self.assertEqual(set(self.upcoming.mapped("state")), {"upcoming"})
        remaining, progress = self.run_cron(D(2028, 1, 1))
        self.assertEqual(remaining, 0)
        self.assertEqual(set(self.current.mapped("state")), {"expired"})
        self.assertEqual(set(self.upcoming.mapped("state")), {"active"})
        self.assertGreaterEqual(progress.call_count, 3, "12 records in batches of 4 report progress")
        messages = self.env["mail.message"].search_count([("model", "=", "membership.subscription")])
        write_dates = (self.current | self.upcoming).mapped("write_date")
        remaining, _progress = self.run_cron(D(2028, 1, 1))
        self.assertEqual(remaining, 0)
        self.assertEqual((self.current | self.upcoming).mapped("write_date"), write_dates, "nothing written twice")
        self.assertEqual(self.env["mail.message"].search_count([("model", "=", "membership.subscription")]), messages)

    def test_queries_do_not_grow_with_the_number_of_records(self):
        """The hot path is batched: 12 records cost what 6 cost."""

        def paid_set(count, year):
            partners = self.env["res.partner"].create([{"name": f"Set {year} {i}"} for i in range(count)])
            subscriptions = self.Subscription.browse()
            for partner in partners:
                subscriptions |= self.paid_subscription(partner, self.plan_year, f"{year}-01-01", f"{year}-12-31")
            return subscriptions

        def queries_for(subscriptions, on):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            with self.patched_commit_progress():
                self.env["membership.subscription"]._cron_update_states(batch_size=1000, today=on)
            count = self.env.cr.sql_log_count - before
            self.assertEqual(set(subscriptions.mapped("state")), {"expired"})
            return count

        six, twelve = paid_set(6, 2030), paid_set(12, 2032)
        self.run_cron(D(2029, 1, 1))  # warm up: the class's records expire first
        self.run_cron(D(2030, 6, 1))  # both sets are paid: the 2030 one becomes active
        queries_six = queries_for(six, D(2031, 1, 1))
        self.run_cron(D(2032, 6, 1))
        queries_twelve = queries_for(twelve, D(2033, 1, 1))
        self.assertEqual(queries_twelve, queries_six, "same number of queries for 12 records as for 6")

    def test_a_missed_day_catches_up(self):
        self.run_cron(D(2029, 2, 1))
        self.assertEqual(set((self.current | self.upcoming).mapped("state")), {"expired"})

    def test_a_failing_record_is_isolated_and_recorded(self):
        poison = self.upcoming[2]
        # A real failure inside PostgreSQL for one row, rolled back with the test.
        self.env.cr.execute(
            SQL(
                """
                CREATE FUNCTION md_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'refused by the test trigger'; END $$;
                CREATE TRIGGER md_test_refuse BEFORE UPDATE ON membership_subscription
                FOR EACH ROW WHEN (NEW.id = %s AND NEW.state IS DISTINCT FROM OLD.state)
                EXECUTE FUNCTION md_test_refuse();
                """,
                poison.id,
            )
        )
        with mute_logger("odoo.addons.membership_dues.tools.batch", "odoo.sql_db"):
            remaining, _progress = self.run_cron(D(2028, 1, 1))
        self.assertEqual(remaining, 0, "the failed record is left for tomorrow, not retried in a loop")
        self.assertEqual(poison.state, "upcoming")
        self.assertIn("refused by the test trigger", poison.cron_error)
        self.assertEqual(set((self.upcoming - poison).mapped("state")), {"active"}, "the others went through")
        self.assertEqual(set(self.current.mapped("state")), {"expired"})
        self.assertFalse((self.upcoming - poison).filtered("cron_error"))
        # Fixed the next day: it goes through and its error is cleared.
        self.env.cr.execute("DROP TRIGGER md_test_refuse ON membership_subscription")
        self.run_cron(D(2028, 1, 2))
        self.assertEqual(poison.state, "active")
        self.assertFalse(poison.cron_error)

    def test_scheduled_action_runs_through_the_cron_machinery(self):
        cron = self.env.ref("membership_dues.ir_cron_membership_update_states")
        self.assertTrue(cron.active)
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        # Whatever today is, no paid subscription is left in a stale state.
        today = self.env["membership.subscription"]._today()
        stale = self.env["membership.subscription"].search(
            self.env["membership.subscription"]._get_state_update_domain(today)
        )
        self.assertFalse(stale)
