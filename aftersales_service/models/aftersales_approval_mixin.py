from odoo import _, models
from odoo.exceptions import UserError

from .aftersales_integrity_mixin import workflow_step


class AftersalesApprovalMixin(models.AbstractModel):
    """Approval through base_tier_validation's reviews, the way the add-on's
    documents use it: a draft is approved (``_approve``) once its reviews
    are all validated, and each review button answers True, which XML-RPC
    clients can carry (base_tier_validation answers None unless it opens
    its comment form)."""

    _name = "aftersales.approval.mixin"
    _inherit = "tier.validation"
    _description = "After-Sales Approval"
    _tier_validation_manual_config = False
    _state_from = ["draft"]
    _state_to = ["approved"]
    _cancel_state = "cancelled"
    # The field of the user who asked for the document, who then can't
    # approve it; False when anyone among the reviewers may.
    _approval_requester_field = False
    # What the approval settles: these fields can't change once the
    # document has left its draft (``_approval_frozen_message`` says so).
    _approval_frozen_fields = frozenset()

    def _approval_frozen_message(self):
        """The refusal to change an approved document's frozen fields."""
        raise NotImplementedError

    def write(self, vals):
        if self._approval_frozen_fields & set(vals) and self.filtered(
            lambda r: r.state != "draft"
        ):
            raise UserError(self._approval_frozen_message())
        return super().write(vals)

    def _get_sequences_to_approve(self, user):
        if (
            self._approval_requester_field
            and self[self._approval_requester_field] == user
        ):
            return []
        return super()._get_sequences_to_approve(user)

    def validate_tier(self):
        self.ensure_one()
        self._check_reviewer()
        return super().validate_tier() or True

    def _check_reviewer(self):
        """Refuse the Validate button to whoever may not review now."""
        if not self.can_review:
            raise UserError(
                _(
                    "%(document)s %(name)s: only its reviewers approve it, once the "
                    "review is requested.",
                    document=self._description,
                    name=self.display_name,
                )
            )

    def reject_tier(self):
        return super().reject_tier() or True

    def restart_validation(self):
        return super().restart_validation() or True

    @workflow_step
    def _validate_tier(self, tiers=False):
        # Reached from the Validate button and from the comment wizard.
        result = super()._validate_tier(tiers)
        # need_validation has no dependencies: computed before the review was
        # requested in this transaction, it would request a second one.
        self.invalidate_recordset(["need_validation", "validation_status"])
        for record in self:
            if record.validation_status == "validated" and record.state == "draft":
                record._approve()
        return result

    def _approve(self):
        """The reviews approved this draft: carry out the approval."""
        raise NotImplementedError
