"""Coverage decision (W6): for a unit, a date and the cause of a fault, what
covers the repair and what the customer pays for parts and labour."""

from typing import NamedTuple

COVERAGES = [
    ("warranty", "In Warranty"),
    ("contract", "Covered by Contract"),
    ("user_damage", "Caused by the User"),
    ("after_warranty", "After Warranty"),
    ("none", "Not Covered"),
]
# E2: what a unit with neither warranty nor contract pays, a company setting
# the product may override.
POST_WARRANTY_POLICIES = [
    ("lifetime_cost", "Lifetime Repair at Cost"),
    ("labour_free", "Labour Free, Parts at Cost"),
    ("list", "List Prices"),
]
PARTS_POLICIES = [("free", "Free"), ("cost", "At Cost"), ("charged", "Charged")]
LABOUR_POLICIES = [("free", "Free"), ("charged", "Charged")]
FAULT_CAUSES = [("equipment", "Equipment Fault"), ("user", "Caused by the User")]

# What the customer pays under each coverage: (parts, labour).
# In warranty: parts and labour free. Under a contract after the warranty:
# labour free, parts at cost (质保期外…免收维修费,配件按成本价). Damage the
# user caused: parts charged, fitting free (有偿提供备件,并免费更换).
PRICE_POLICY = {
    "warranty": ("free", "free"),
    "contract": ("cost", "free"),
    "user_damage": ("charged", "free"),
    "none": ("charged", "charged"),
}
# After the warranty (维修期满后以成本价对所供设备进行终身维修; 质保期外…免收维修
# 费,对配件…按照成本价收取费用).
POST_WARRANTY_PRICES = {
    "lifetime_cost": ("cost", "charged"),
    "labour_free": ("cost", "free"),
}


class Coverage(NamedTuple):
    kind: str
    parts: str
    labour: str
    warranty: object  # aftersales.warranty or aftersales.part.warranty
    contract: object  # aftersales.contract
    policy: str | bool = False  # the post-warranty policy applied (E2)

    @classmethod
    def decide(cls, warranty, contract, cause, policy=False):
        """The coverage of a fault of ``cause`` given what covers the unit
        and, when nothing does, the post-warranty ``policy``."""
        if (warranty or contract) and cause == "user":
            kind = "user_damage"
        elif warranty:
            kind = "warranty"
        elif contract:
            kind = "contract"
        elif cause != "user" and policy in POST_WARRANTY_PRICES:
            return cls(
                "after_warranty",
                *POST_WARRANTY_PRICES[policy],
                warranty,
                contract,
                policy,
            )
        else:
            return cls("none", *PRICE_POLICY["none"], warranty, contract, policy)
        return cls(kind, *PRICE_POLICY[kind], warranty, contract)
