from odoo import models


class TierReview(models.Model):
    _inherit = "tier.review"

    def _compute_todo_by(self):
        """base_tier_validation stores who is to review as a sentence ("Group
        User"), in the language of whoever happened to cause the computation,
        with the group's bare name. The add-on's documents (scrap requests,
        special service periods, spare purchase requisitions) name the
        reviewers themselves, up to three, which reads the same in any
        language and says who to ask. A group without members keeps Odoo's
        sentence, worded in the language of the company that reviews."""
        approvals = self.env.registry["aftersales.approval.mixin"]._inherit_children
        ours = self.filtered(lambda review: review.model in approvals)
        named = ours.filtered("reviewer_ids")
        for review in named:
            names = review.reviewer_ids.sorted("name").mapped("name")
            more = "…" if len(names) > 3 else ""
            review.todo_by = ", ".join(names[:3]) + more
        lang_of = {}
        for model, reviews in (ours - named).grouped("model").items():
            documents = self.env[model].sudo().browse(reviews.mapped("res_id"))
            for document in documents.exists():
                lang_of[model, document.id] = document.company_id.partner_id.lang
        by_lang = (ours - named).grouped(
            lambda review: lang_of.get((review.model, review.res_id))
        )
        for lang, reviews in by_lang.items():
            reviews = reviews.with_context(lang=lang) if lang else reviews
            super(TierReview, reviews)._compute_todo_by()
        return super(TierReview, self - ours)._compute_todo_by()
