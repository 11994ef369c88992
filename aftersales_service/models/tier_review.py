from odoo import models


class TierReview(models.Model):
    _inherit = "tier.review"

    def _compute_todo_by(self):
        """base_tier_validation stores who is to review as a sentence ("Group
        Appraisal Group"), in the language of whoever happened to cause the
        computation: the reviewer who requested it, or an administrator who
        later added someone to the group. The reviews of scrap requests are
        worded in the language of the service company that appraises them."""
        scraps = self.filtered(
            lambda review: review.model == "aftersales.scrap.request"
        )
        requests = (
            self.env["aftersales.scrap.request"]
            .sudo()
            .browse(scraps.mapped("res_id"))
            .exists()
        )
        lang_of = {
            request.id: request.company_id.partner_id.lang for request in requests
        }
        by_lang = scraps.grouped(lambda review: lang_of.get(review.res_id))
        for lang, reviews in by_lang.items():
            reviews = reviews.with_context(lang=lang) if lang else reviews
            super(TierReview, reviews)._compute_todo_by()
        return super(TierReview, self - scraps)._compute_todo_by()
