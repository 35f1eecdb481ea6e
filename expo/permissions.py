"""One table decides who may do what, and on which object.

A bearer token of the `read` scope (expo.models.TokenScope) may do only the table's *reading*
actions: those of HTTP routes that answer GET alone, and following topics over the websocket
(`READING_COMMANDS`). The app marks them when it assembles its routes (`mark_reading`); any
other action is refused to such a token with `token.read_only`, whatever its role allows.

Every HTTP route and every websocket command names an action; the app refuses to start when an
action is missing from the table, and tests/integration/test_permissions.py walks every route and
command for every role. Features add their actions with their `Feature.permissions`.

A rule names the roles that may act and, when the action is on an object (a room, a booth, a
meeting), the object's kind and a predicate over (principal, object), in the manner of pretalx's
django-rules: `check(action, principal, obj)`. Such an action is *object-scoped*: checking it
without its object raises `ObjectMissing` (and the app refuses to start when a route or command
of a scoped action declares no `target` to load its object), so an object rule cannot be
forgotten silently. Predicates do no I/O: the handler's `target` loads what they need into the
object (who speaks in the room, who is banned from it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from expo.errors import Forbidden, Unauthorized
from expo.models import Role, TokenScope
from expo.security import Principal

ALL_ROLES = frozenset(Role)
Obj = TypeVar("Obj")
Predicate = Callable[[Principal, Any], bool]


class ObjectMissing(TypeError):
    """An object-scoped action was checked without its object (or the wrong kind of object):
    a programming error, never a refusal to show anyone."""


@dataclass(frozen=True, slots=True)
class Rule:
    # None: anyone, signed in or not. Otherwise the roles that may act (signing in is implied).
    roles: frozenset[Role] | None
    # Object-scoped rules: the kind of object the action is on, and who may act on which one.
    on: type | None = None
    test: Predicate | None = None
    # Said to whom the object's predicate refuses ("Speakers act in the rooms they speak in."),
    # with this code: `forbidden`, or the feature's own where one was promised
    # (`chat.not_author`).
    refusal: str = ""
    code: str = "forbidden"

    @property
    def scoped(self) -> bool:
        return self.on is not None

    def given(
        self,
        on: type[Any],
        test: Callable[[Principal, Obj], bool],
        refusal: str,
        code: str = "forbidden",
    ) -> Rule:
        """This rule, scoped to objects of kind `on` (a class its loaders build, such as
        `OfExhibitor`'s subclasses): `test` decides for each one."""
        assert self.roles is not None, "an object rule is about someone signed in"
        # A runtime-checkable protocol admits anything with the right attributes (a principal,
        # a command's data): the object must be one the handler's `target` loaded.
        assert not getattr(on, "_is_protocol", False), (
            f"an object rule names a nominal class, not the protocol {on.__name__}"
        )
        return replace(self, on=on, test=test, refusal=refusal, code=code)

    def admits(self, principal: Principal | None) -> bool:
        """The role part alone: whether this principal may ever do it, to some object."""
        if self.roles is None:
            return True
        return principal is not None and principal.role in self.roles

    def allows(self, principal: Principal | None, obj: object = None) -> bool:
        """Role and object: may `principal` do it to `obj`? A scoped rule needs its object,
        whoever asks (so a forgotten object shows at the first call, not at the first staff
        member's)."""
        self.expect(obj)
        if not self.admits(principal):
            return False
        if self.test is None:
            return True
        assert principal is not None  # admitted by a scoped rule, so signed in
        return self.test(principal, obj)

    def expect(self, obj: object) -> None:
        """Raise `ObjectMissing` unless `obj` is what this rule is about (None for role rules)."""
        if self.on is None:
            if obj is not None:
                raise ObjectMissing(f"a role-only rule would ignore the {type(obj).__name__}")
        elif not isinstance(obj, self.on):
            name = self.on.__name__
            raise ObjectMissing(f"this action is on a {name}; pass it (got {type(obj).__name__})")


ANYONE = Rule(None)
SIGNED_IN = Rule(ALL_ROLES)


def only(*roles: Role) -> Rule:
    return Rule(frozenset(roles))


@dataclass(frozen=True, slots=True)
class OfExhibitor:
    """An object that belongs to one exhibitor (a booth, its chat, its leads, its queue), as the
    database loaders build it: they subclass this.

    Nominal on purpose. A structural type (anything with an `exhibitor_id`) would let through
    the principal itself or a command's own data naming the caller's exhibitor, so a `target`
    that hands back either would let staff of A act on B."""

    exhibitor_id: int


def exhibitor_staff(principal: Principal, obj: OfExhibitor) -> bool:
    """Staff of the object's exhibitor, and organisers; staff of another exhibitor never."""
    if principal.role == Role.ORGANIZER:
        return True
    return principal.exhibitor_id is not None and principal.exhibitor_id == obj.exhibitor_id


# Exhibitor-scoped actions (the hall's booths): `only(...).given(OfExhibitor, exhibitor_staff,
# EXHIBITOR_STAFF_ONLY)`; their routes and commands load the booth as their `target`.
EXHIBITOR_STAFF_ONLY = "Only this exhibitor's own staff may do this."


# The core's actions; features add theirs (forums/permissions.py and the like).
CORE: dict[str, Rule] = {
    "ops.health": ANYONE,
    "ops.metrics": ANYONE,
    "ops.openapi": ANYONE,
    "account.register": ANYONE,
    "account.read_self": SIGNED_IN,
    "account.update_self": SIGNED_IN,
    "account.change_password": SIGNED_IN,
    "account.forgot_password": ANYONE,
    "account.reset_password": ANYONE,  # whoever holds the link
    "account.change_email": SIGNED_IN,
    "account.confirm_email": ANYONE,  # whoever holds the link (sent to the new address)
    "account.read": only(Role.ORGANIZER),  # find accounts, with their emails
    "account.manage": only(Role.ORGANIZER),  # change a role, disable or enable
    "session.create": ANYONE,
    "session.delete": ANYONE,  # signing out twice is fine: it just clears the cookie
    "token.issue": only(Role.ORGANIZER),
    "token.read": only(Role.ORGANIZER),
    "token.revoke": only(Role.ORGANIZER),
    "service_account.create": only(Role.ORGANIZER),
    "service_account.read": only(Role.ORGANIZER),
    "invitation.create": only(Role.ORGANIZER),
    "invitation.read": only(Role.ORGANIZER),
    "invitation.manage": only(Role.ORGANIZER),  # resend (a new link) or revoke
    "invitation.view": ANYONE,  # whoever holds the link
    "invitation.accept": ANYONE,  # whoever holds the link (and, for an existing account, is it)
    "topic.subscribe": ANYONE,  # each topic kind's guard decides further
    "topic.unsubscribe": ANYONE,
}


# The websocket's reading actions: following a topic and leaving it.
READING_COMMANDS = frozenset({"topic.subscribe", "topic.unsubscribe"})


class PermissionTable:
    def __init__(self, rules: Mapping[str, Rule]) -> None:
        self._rules = dict(rules)
        self._reading: frozenset[str] = READING_COMMANDS

    def mark_reading(self, actions: Iterable[str]) -> None:
        """At start-up: these actions only read (a `read` token may do them)."""
        self._reading = READING_COMMANDS | frozenset(actions)

    def reads(self, action: str) -> bool:
        return action in self._reading

    def __contains__(self, action: object) -> bool:
        return action in self._rules

    @property
    def actions(self) -> list[str]:
        return sorted(self._rules)

    def rule(self, action: str) -> Rule:
        return self._rules[action]

    def require_target(self, action: str, has_target: bool, where: str) -> None:
        """At start-up: a route or command of an object-scoped action loads its object (a
        `target`), and one of a role-only action does not pretend to."""
        scoped = self._rules[action].scoped
        assert scoped == has_target, (
            f"{where}: action {action!r} is {'' if scoped else 'not '}object-scoped, "
            f"so it {'needs' if scoped else 'takes no'} `target`"
        )

    def check_role(self, action: str, principal: Principal | None) -> None:
        """The role part, before the object is loaded: a role that may never do it is refused
        without learning whether the object exists."""
        rule = self._rules[action]
        if not rule.admits(principal):
            raise _refused(action, principal)
        if principal is not None and principal.scope == TokenScope.READ:
            if action not in self._reading:
                raise Forbidden("token.read_only", f"This token may only read, not {action!r}.")

    def check(self, action: str, principal: Principal | None, obj: object = None) -> None:
        """Raise `unauthorized` (not signed in) or `forbidden` (wrong role, or not on this
        object) unless allowed; `ObjectMissing` when a scoped action comes without its object."""
        rule = self._rules[action]
        rule.expect(obj)
        self.check_role(action, principal)
        if not rule.allows(principal, obj):
            raise Forbidden(rule.code, rule.refusal or f"You may not do {action!r} here.")

    def allows(self, action: str, principal: Principal | None, obj: object = None) -> bool:
        """Like `check`, as a yes or no (a snapshot deciding what to show)."""
        return self._rules[action].allows(principal, obj)


def _refused(action: str, principal: Principal | None) -> Unauthorized | Forbidden:
    if principal is None:
        return Unauthorized(message="Sign in first.")
    article = "An" if principal.role[:1] in "aeiou" else "A"  # an attendee, an organizer
    return Forbidden(message=f"{article} {principal.role} may not do {action!r}.")
