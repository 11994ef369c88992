"""Coverage decision (W6): for a unit, a date and the cause of a fault, what
covers the repair and what the customer pays for parts and labour."""

from typing import NamedTuple

COVERAGES = [
    ("warranty", "In Warranty"),
    ("contract", "Covered by Contract"),
    ("user_damage", "Caused by the User"),
    ("none", "Not Covered"),
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


class Coverage(NamedTuple):
    kind: str
    parts: str
    labour: str
    warranty: object  # aftersales.warranty or aftersales.part.warranty
    contract: object  # aftersales.contract

    @classmethod
    def decide(cls, warranty, contract, cause):
        """The coverage of a fault of ``cause`` given what covers the unit."""
        if (warranty or contract) and cause == "user":
            kind = "user_damage"
        elif warranty:
            kind = "warranty"
        elif contract:
            kind = "contract"
        else:
            kind = "none"
        return cls(kind, *PRICE_POLICY[kind], warranty, contract)
