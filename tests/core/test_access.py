"""Access: entering a space takes a grant on it or on an ancestor, whose role the scope carries;
admins enter everywhere; children stay under the parent they were made under."""

from __future__ import annotations

import pytest

from darkroom.api import vocabulary
from darkroom.core import accounts, spaces
from darkroom.core.access import GUEST, Actor, SpaceRole, enter_in, enter_nested
from darkroom.core.records import SpaceRecord
from darkroom.core.runtime import Runtime
from darkroom.db.models import Principal, Space
from darkroom.errors import Conflict, Forbidden, Invalid, NotFound

COMPANY, PROJECT, ACCOUNT = (
    vocabulary.PROCORE_COMPANY,
    vocabulary.PROCORE_PROJECT,
    vocabulary.MOOV_ACCOUNT,
)


def _space(runtime: Runtime, kind: str, external_id: str, parent: Space | None = None) -> Space:
    with runtime.transaction() as session:
        return spaces.ensure(session, kind, external_id, parent=parent)


def _grant(
    runtime: Runtime, actor: Actor, space: Space, role: SpaceRole = SpaceRole.MEMBER
) -> None:
    with runtime.transaction() as session:
        principal = session.get_one(Principal, actor.principal_id)
        accounts.add_grant(session, principal, space, role=role)


def _enter(
    runtime: Runtime,
    actor: Actor,
    kind: str,
    external_id: str,
    *,
    parent: Space | None = None,
    create: bool = False,
) -> SpaceRecord:
    with runtime.transaction() as session:
        return enter_in(session, actor, kind, external_id, write=create, parent=parent).space


def _parent_id(runtime: Runtime, space: Space) -> int | None:
    with runtime.transaction() as session:
        return session.get_one(Space, space.id).parent_id


def test_enter_unknown_space_as_member_raises_not_found(runtime: Runtime, member: Actor) -> None:
    with pytest.raises(NotFound):
        _enter(runtime, member, ACCOUNT, "a1", create=True)
    with runtime.transaction() as session:
        assert spaces.find(session, ACCOUNT, "a1") is None


def test_enter_unknown_space_as_admin_for_reading_gives_an_unborn_space_and_writes_nothing(
    runtime: Runtime, admin: Actor
) -> None:
    entered = _enter(runtime, admin, ACCOUNT, "a1")
    assert (entered.stored, entered.external_id) == (False, "a1")
    with runtime.transaction() as session:
        assert spaces.find(session, ACCOUNT, "a1") is None


def test_enter_unknown_space_as_admin_with_create_creates_it(
    runtime: Runtime, admin: Actor
) -> None:
    entered = _enter(runtime, admin, ACCOUNT, "a1", create=True)
    with runtime.transaction() as session:
        found = spaces.find(session, ACCOUNT, "a1")
    assert found is not None and found.id == entered.id


def test_enter_space_as_admin_without_grant_succeeds(runtime: Runtime, admin: Actor) -> None:
    space = _space(runtime, ACCOUNT, "a1")
    assert _enter(runtime, admin, ACCOUNT, "a1").id == space.id


def test_enter_space_as_member_without_grant_raises_forbidden(
    runtime: Runtime, member: Actor
) -> None:
    _space(runtime, ACCOUNT, "a1")
    with pytest.raises(Forbidden):
        _enter(runtime, member, ACCOUNT, "a1")


def test_enter_space_as_guest_raises_forbidden(runtime: Runtime) -> None:
    _space(runtime, ACCOUNT, "a1")
    with pytest.raises(Forbidden):
        _enter(runtime, GUEST, ACCOUNT, "a1")


def test_enter_space_as_member_with_grant_on_it_succeeds(runtime: Runtime, member: Actor) -> None:
    space = _space(runtime, ACCOUNT, "a1")
    _grant(runtime, member, space)
    assert _enter(runtime, member, ACCOUNT, "a1").id == space.id


def test_enter_space_as_member_with_grant_on_another_space_raises_forbidden(
    runtime: Runtime, member: Actor
) -> None:
    _space(runtime, ACCOUNT, "a1")
    _grant(runtime, member, _space(runtime, ACCOUNT, "a2"))
    with pytest.raises(Forbidden):
        _enter(runtime, member, ACCOUNT, "a1")


def test_enter_project_with_grant_on_its_company_succeeds(runtime: Runtime, member: Actor) -> None:
    company = _space(runtime, COMPANY, "c1")
    project = _space(runtime, PROJECT, "p1", parent=company)
    _grant(runtime, member, company)
    assert _enter(runtime, member, PROJECT, "p1", parent=company).id == project.id


def test_enter_project_with_grant_on_another_company_raises_forbidden(
    runtime: Runtime, member: Actor
) -> None:
    company = _space(runtime, COMPANY, "c1")
    _space(runtime, PROJECT, "p1", parent=company)
    _grant(runtime, member, _space(runtime, COMPANY, "c2"))
    with pytest.raises(Forbidden):
        _enter(runtime, member, PROJECT, "p1", parent=company)


def test_enter_project_under_a_company_it_does_not_belong_to_raises_not_found(
    runtime: Runtime, member: Actor
) -> None:
    company, other = _space(runtime, COMPANY, "c1"), _space(runtime, COMPANY, "c2")
    _space(runtime, PROJECT, "p1", parent=company)
    _grant(runtime, member, other)
    with pytest.raises(NotFound):
        _enter(runtime, member, PROJECT, "p1", parent=other)


def test_enter_orphan_project_through_granted_company_raises_not_found_and_keeps_it_orphan(
    runtime: Runtime, member: Actor
) -> None:
    company = _space(runtime, COMPANY, "c1")
    orphan = _space(runtime, PROJECT, "p1")  # made by a grant before parents were fixed
    _grant(runtime, member, company)
    with pytest.raises(NotFound):
        _enter(runtime, member, PROJECT, "p1", parent=company, create=True)
    assert _parent_id(runtime, orphan) is None


def test_project_cannot_be_moved_to_another_company_by_a_member_of_both(
    runtime: Runtime, member: Actor
) -> None:
    company = _space(runtime, COMPANY, "c1")
    orphan = _space(runtime, PROJECT, "p1")
    _grant(runtime, member, company)
    _grant(runtime, member, orphan)
    with pytest.raises(NotFound):
        _enter(runtime, member, PROJECT, "p1", parent=company, create=True)
    assert _parent_id(runtime, orphan) is None


def test_project_of_one_company_cannot_be_claimed_by_a_member_of_both_through_the_other(
    runtime: Runtime, member: Actor
) -> None:
    home, other = _space(runtime, COMPANY, "c1"), _space(runtime, COMPANY, "c2")
    project = _space(runtime, PROJECT, "p1", parent=home)
    _grant(runtime, member, project)
    _grant(runtime, member, other)
    with pytest.raises(NotFound):
        _enter(runtime, member, PROJECT, "p1", parent=other, create=True)
    assert _parent_id(runtime, project) == home.id


def test_enter_orphan_project_with_grant_on_it_alone_raises_not_found(
    runtime: Runtime, member: Actor
) -> None:
    company = _space(runtime, COMPANY, "c1")
    orphan = _space(runtime, PROJECT, "p1")
    _grant(runtime, member, orphan)
    with pytest.raises(NotFound):
        _enter(runtime, member, PROJECT, "p1", parent=company)
    assert _parent_id(runtime, orphan) is None


def test_enter_orphan_project_as_admin_for_reading_leaves_it_orphan(
    runtime: Runtime, admin: Actor
) -> None:
    company = _space(runtime, COMPANY, "c1")
    orphan = _space(runtime, PROJECT, "p1")
    with pytest.raises(NotFound):
        _enter(runtime, admin, PROJECT, "p1", parent=company)
    assert _parent_id(runtime, orphan) is None


def test_enter_orphan_project_as_admin_adopts_the_company(runtime: Runtime, admin: Actor) -> None:
    company = _space(runtime, COMPANY, "c1")
    orphan = _space(runtime, PROJECT, "p1")
    _enter(runtime, admin, PROJECT, "p1", parent=company, create=True)
    assert _parent_id(runtime, orphan) == company.id


def test_unused_project_id_cannot_be_squatted(runtime: Runtime, member: Actor) -> None:
    company = _space(runtime, COMPANY, "c1")
    _grant(runtime, member, company)
    with pytest.raises(NotFound):
        enter_nested(runtime, member, (COMPANY, "c1"), (PROJECT, "p9"), write=True)
    with runtime.transaction() as session:
        assert spaces.find(session, PROJECT, "p9") is None


def test_unknown_project_of_a_company_one_may_not_enter_raises_forbidden(
    runtime: Runtime, member: Actor
) -> None:
    _space(runtime, COMPANY, "c1")
    with pytest.raises(Forbidden):
        enter_nested(runtime, member, (COMPANY, "c1"), (PROJECT, "p9"), write=False)


def test_unknown_project_is_made_under_its_company_by_an_admins_write(
    runtime: Runtime, admin: Actor
) -> None:
    company = _space(runtime, COMPANY, "c1")
    scope = enter_nested(runtime, admin, (COMPANY, "c1"), (PROJECT, "p9"), write=True)
    assert (scope.space.parent_id, scope.role) == (company.id, SpaceRole.MANAGER)


@pytest.mark.parametrize("role", list(SpaceRole))
def test_scope_carries_the_role_of_the_grant(
    runtime: Runtime, member: Actor, role: SpaceRole
) -> None:
    _grant(runtime, member, _space(runtime, ACCOUNT, "a1"), role)
    with runtime.transaction() as session:
        assert enter_in(session, member, ACCOUNT, "a1", write=False).role is role


def test_scope_carries_the_highest_role_along_the_ancestors(
    runtime: Runtime, member: Actor
) -> None:
    company = _space(runtime, COMPANY, "c1")
    _space(runtime, PROJECT, "p1", parent=company)
    _grant(runtime, member, company, SpaceRole.MANAGER)
    _grant(runtime, member, _space(runtime, PROJECT, "p1"), SpaceRole.VIEWER)
    scope = enter_nested(runtime, member, (COMPANY, "c1"), (PROJECT, "p1"), write=False)
    assert scope.role is SpaceRole.MANAGER


def test_viewer_cannot_enter_to_write(runtime: Runtime, member: Actor) -> None:
    _grant(runtime, member, _space(runtime, ACCOUNT, "a1"), SpaceRole.VIEWER)
    with pytest.raises(Forbidden):
        _enter(runtime, member, ACCOUNT, "a1", create=True)


def test_admin_is_a_manager_in_every_space(runtime: Runtime, admin: Actor) -> None:
    _space(runtime, ACCOUNT, "a1")
    with runtime.transaction() as session:
        assert enter_in(session, admin, ACCOUNT, "a1", write=True).role is SpaceRole.MANAGER


def test_place_moves_a_project_only_when_told(runtime: Runtime) -> None:
    home, other = _space(runtime, COMPANY, "c1"), _space(runtime, COMPANY, "c2")
    project = _space(runtime, PROJECT, "p1", parent=home)
    with runtime.transaction() as session, pytest.raises(Conflict):
        spaces.place(session, PROJECT, "p1", session.get_one(Space, other.id), move=False)
    with runtime.transaction() as session:
        spaces.place(session, PROJECT, "p1", session.get_one(Space, other.id), move=True)
    assert _parent_id(runtime, project) == other.id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("moov-account:a1", (vocabulary.MOOV_ACCOUNT, "a1")),
        ("procore-company:1", (vocabulary.PROCORE_COMPANY, "1")),
        ("procore-project:42", (vocabulary.PROCORE_PROJECT, "42")),
        ("cyclos-user:alice", (vocabulary.CYCLOS_USER, "alice")),
    ],
)
def test_parse_ref_of_kind_and_id_returns_both(text: str, expected: tuple[str, str]) -> None:
    assert spaces.parse_ref(text, vocabulary.SPACE_KINDS) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "moov-account",
        "moov-account:",
        ":a1",
        "moov:a1",
        "MOOV-ACCOUNT:a1",
        "moov-account: a1",
        "moov-account:a 1",
        "moov-account:" + "x" * 129,
    ],
    ids=[
        "empty",
        "no-colon",
        "no-id",
        "no-kind",
        "unknown-kind",
        "wrong-case",
        "leading-space",
        "inner-space",
        "id-too-long",
    ],
)
def test_parse_ref_of_malformed_text_raises_invalid_naming_the_space_field(text: str) -> None:
    with pytest.raises(Invalid) as raised:
        spaces.parse_ref(text, vocabulary.SPACE_KINDS)
    assert raised.value.field == "space"
