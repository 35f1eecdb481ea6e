"""One table decides who may do what.

Every HTTP route and every websocket command names an action; the app refuses to start when an
action is missing from the table, and tests/integration/test_permissions.py walks every route and
command for every role. Rules here are about roles; rules about ownership (an exhibitor's own
booth, an attendee's own request) are checked by the handler against the object, through
`owns`. Features add their actions with their `Feature.permissions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from expo.errors import Forbidden, Unauthorized
from expo.models import Role
from expo.security import Principal

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True, slots=True)
class Rule:
    # None: anyone, signed in or not. Otherwise the roles that may act (signing in is implied).
    roles: frozenset[Role] | None

    def allows(self, principal: Principal | None) -> bool:
        if self.roles is None:
            return True
        return principal is not None and principal.role in self.roles


ANYONE = Rule(None)
SIGNED_IN = Rule(ALL_ROLES)


def only(*roles: Role) -> Rule:
    return Rule(frozenset(roles))


# The core's actions; features add theirs (forums/permissions.py and the like).
CORE: dict[str, Rule] = {
    "ops.health": ANYONE,
    "ops.metrics": ANYONE,
    "ops.openapi": ANYONE,
    "account.register": ANYONE,
    "account.read_self": SIGNED_IN,
    "account.update_self": SIGNED_IN,
    "session.create": ANYONE,
    "session.delete": ANYONE,  # signing out twice is fine: it just clears the cookie
    "token.issue": only(Role.ORGANIZER),
    "token.read": only(Role.ORGANIZER),
    "token.revoke": only(Role.ORGANIZER),
    "invitation.create": only(Role.ORGANIZER),
    "invitation.read": only(Role.ORGANIZER),
    "invitation.view": ANYONE,  # whoever holds the link
    "invitation.accept": ANYONE,  # whoever holds the link (and, for an existing account, is it)
    "hall.read": ANYONE,
    "topic.subscribe": ANYONE,  # each topic kind's guard decides further
    "topic.unsubscribe": ANYONE,
}


class PermissionTable:
    def __init__(self, rules: Mapping[str, Rule]) -> None:
        self._rules = dict(rules)

    def __contains__(self, action: object) -> bool:
        return action in self._rules

    @property
    def actions(self) -> list[str]:
        return sorted(self._rules)

    def rule(self, action: str) -> Rule:
        return self._rules[action]

    def check(self, action: str, principal: Principal | None) -> None:
        """Raise `unauthorized` (not signed in) or `forbidden` (wrong role) unless allowed."""
        rule = self._rules[action]
        if rule.allows(principal):
            return
        if principal is None:
            raise Unauthorized(message="Sign in first.")
        raise Forbidden(message=f"A {principal.role} may not do {action!r}.")


def owns(
    principal: Principal, *, account_id: int | None = None, exhibitor_id: int | None = None
) -> bool:
    """Object-level rule: the account itself, or staff of the exhibitor; organisers own all."""
    if principal.role == Role.ORGANIZER:
        return True
    if account_id is not None and principal.account_id == account_id:
        return True
    return exhibitor_id is not None and principal.exhibitor_id == exhibitor_id
