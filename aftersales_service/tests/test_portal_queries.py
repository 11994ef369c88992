import re

from odoo.tests import tagged

from .common import AftersalesCase, PortalCase

# The queries of each portal page, warm: the same whatever the number of
# units and requests the customer has (a page of them at a time).
PAGE_QUERIES = {
    "/my": 21,
    "/my/home": 21,
    "/my/counters": 42,
    "/my/units": 12,
    "/my/tickets": 32,
}


@tagged("post_install", "-at_install")
class TestPortalQueries(PortalCase, AftersalesCase):
    """A customer's portal pages cost the same queries whether they have a
    few units and requests or more than a page of them: each list reads one
    page, in batches, and the home page's counters count in the database."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact, cls.portal = cls._portal_contact(cls.customer, "as_portal_queries")
        cls.other = cls.env["res.partner"].create(
            {"name": "Other Works", "is_company": True}
        )
        cls.serial = 0

    def _add(self, count):
        """``count`` units and requests more for the customer, and as many
        for another customer."""
        Lot = self.env["stock.lot"]
        for partner, contact in (
            (self.customer, self.contact),
            (self.other, self.other),
        ):
            lots = Lot.create(
                [
                    {"name": f"PQ-{self.serial + n}", "product_id": self.product.id}
                    for n in range(count)
                ]
            )
            self.serial += count
            self.env["aftersales.warranty"].create(
                [
                    {"lot_id": lot.id, "partner_id": partner.id, "duration": 2}
                    for lot in lots
                ]
            )
            self.env["helpdesk.ticket"].create(
                [
                    {
                        "name": f"Alarm {lot.name}",
                        "description": "Cabinet alarm",
                        "partner_id": contact.id,
                        "lot_id": lot.id,
                    }
                    for lot in lots
                ]
            )
        self.env.flush_all()

    def _queries(self, page):
        """The queries of one warm load of ``page``."""

        def load():
            if page == "/my/counters":
                self.make_jsonrpc_request(page, {"counters": self.counters})
            else:
                self.assertEqual(self.url_open(page).status_code, 200, page)

        load()
        before = self.cr.sql_log_count
        load()
        return self.cr.sql_log_count - before

    def _all_queries(self):
        return {page: self._queries(page) for page in PAGE_QUERIES}

    def test_pages_cost_the_same_queries_at_any_size(self):
        self.authenticate("as_portal_queries", "as_portal_queries")
        home = self.url_open("/my").text
        # The counters the home page asks for.
        self.counters = sorted(
            {part.split('"')[0] for part in home.split('data-placeholder_count="')[1:]}
        )
        self.assertIn("aftersales_units_count", self.counters)
        self._add(3)
        few = self._all_queries()
        # More than a page of units and requests (80 a page).
        self._add(90)
        many = self._all_queries()
        self.assertEqual(many, few)
        self.assertEqual(few, PAGE_QUERIES)
        # 93 units: a page of 80, then the other 13.
        for page, rows in (("/my/units", 80), ("/my/units/page/2", 13)):
            self.assertEqual(
                len(
                    set(re.findall(r'href="/my/units/(\d+)"', self.url_open(page).text))
                ),
                rows,
                page,
            )

    def test_requests_of_the_customer_or_followed(self):
        """The portal contact reads their company's requests and those they
        follow, not another's; the followed ones are matched in the
        database by their ids."""
        self._add(2)
        Ticket = self.env["helpdesk.ticket"]
        theirs = Ticket.search([("partner_id", "=", self.other.id)])
        followed = theirs[0]
        followed.message_subscribe(partner_ids=self.contact.ids)
        visible = Ticket.with_user(self.portal).search([])
        self.assertEqual(
            visible, Ticket.search([("partner_id", "=", self.contact.id)]) | followed
        )
        self.assertEqual(
            theirs.filtered_domain([("message_partner_ids", "in", self.contact.ids)]),
            followed,
        )
        # Both sides of the rule on an index.
        self.env.cr.execute(
            "SELECT 1 FROM pg_indexes WHERE tablename = 'helpdesk_ticket'"
            " AND indexname = 'helpdesk_ticket__partner_id_index'"
        )
        self.assertTrue(self.env.cr.fetchone())
        self.assertIn(
            "= ANY(ARRAY(",
            Ticket._search([("message_partner_ids", "in", self.contact.ids)])
            .select()
            .code,
        )
