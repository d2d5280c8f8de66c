"""Who may do what: pure rules over a key's role and applicant scope (no web framework here).

| action                               | portal        | reviewer | consumer      | admin |
|--------------------------------------|---------------|----------|---------------|-------|
| create applications, upload          | own BINs      | —        | —             | yes   |
| read applications, results, pages    | own BINs      | all      | all (or BINs) | all   |
| reprocess                            | own BINs      | all      | —             | all   |
| correct extracted values             | —             | all      | —             | all   |
| confirm eligibility conditions       | —             | all      | —             | all   |
| webhooks (own subscriptions)         | yes           | yes      | yes           | yes   |
| API keys, audit log                  | —             | —        | —             | yes   |

"Own BINs" are the applicant BINs the key is scoped to. An application outside a key's scope is
answered with 404, exactly like one that does not exist: a portal key learns nothing about other
applicants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from models.db import Role


class Action(StrEnum):
    CREATE = "create"
    UPLOAD = "upload"
    READ = "read"
    REPROCESS = "reprocess"
    CORRECT = "correct"
    REVIEW = "review"
    WEBHOOKS = "webhooks"
    ADMIN = "admin"


ALLOWED: dict[Role, frozenset[Action]] = {
    Role.PORTAL: frozenset({Action.CREATE, Action.UPLOAD, Action.READ, Action.REPROCESS, Action.WEBHOOKS}),
    Role.REVIEWER: frozenset({Action.READ, Action.REPROCESS, Action.CORRECT, Action.REVIEW, Action.WEBHOOKS}),
    Role.CONSUMER: frozenset({Action.READ, Action.WEBHOOKS}),
    Role.ADMIN: frozenset(Action),
}

ACTION_LABELS_RU: dict[Action, str] = {
    Action.CREATE: "создавать заявки",
    Action.UPLOAD: "загружать документы",
    Action.READ: "читать заявки и результаты",
    Action.REPROCESS: "запускать повторную обработку",
    Action.CORRECT: "исправлять извлечённые значения",
    Action.REVIEW: "подтверждать условия участия",
    Action.WEBHOOKS: "управлять подписками на уведомления",
    Action.ADMIN: "управлять ключами API и журналом",
}


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: Role
    applicant_bins: frozenset[str] = field(default_factory=frozenset)
    name: str = ""

    @property
    def scoped(self) -> bool:
        """True when the key sees only some applicants (portal keys always; consumers when given BINs)."""
        return self.role == Role.PORTAL or (self.role == Role.CONSUMER and bool(self.applicant_bins))


def may(principal: Principal, action: Action) -> bool:
    return action in ALLOWED[principal.role]


def sees_applicant(principal: Principal, applicant_bin: str) -> bool:
    return not principal.scoped or applicant_bin in principal.applicant_bins
