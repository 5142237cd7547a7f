"""Access: entering a space takes a grant on it or on an ancestor; admins enter everywhere."""

from __future__ import annotations

import pytest

from darkroom.api import vocabulary
from darkroom.core import accounts, spaces
from darkroom.core.access import GUEST, Actor, enter_in
from darkroom.core.records import SpaceRecord
from darkroom.core.runtime import Runtime
from darkroom.db.models import Principal, Space
from darkroom.errors import Forbidden, Invalid, NotFound

COMPANY, PROJECT, ACCOUNT = (
    vocabulary.PROCORE_COMPANY,
    vocabulary.PROCORE_PROJECT,
    vocabulary.MOOV_ACCOUNT,
)


def _space(runtime: Runtime, kind: str, external_id: str, parent: Space | None = None) -> Space:
    with runtime.transaction() as session:
        return spaces.ensure(session, kind, external_id, parent=parent)


def _grant(runtime: Runtime, actor: Actor, space: Space) -> None:
    with runtime.transaction() as session:
        accounts.add_grant(session, session.get_one(Principal, actor.principal_id), space)


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


def test_enter_orphan_project_through_granted_company_raises_forbidden_and_keeps_it_orphan(
    runtime: Runtime, member: Actor
) -> None:
    company = _space(runtime, COMPANY, "c1")
    orphan = _space(runtime, PROJECT, "p1")  # made by a grant before its company was known
    _grant(runtime, member, company)
    with pytest.raises(Forbidden):
        _enter(runtime, member, PROJECT, "p1", parent=company)
    assert _parent_id(runtime, orphan) is None


def test_enter_orphan_project_with_grants_on_it_and_company_adopts_the_company(
    runtime: Runtime, member: Actor
) -> None:
    company = _space(runtime, COMPANY, "c1")
    orphan = _space(runtime, PROJECT, "p1")
    _grant(runtime, member, company)
    _grant(runtime, member, orphan)
    _enter(runtime, member, PROJECT, "p1", parent=company, create=True)
    assert _parent_id(runtime, orphan) == company.id


def test_enter_orphan_project_for_reading_leaves_it_orphan(runtime: Runtime, member: Actor) -> None:
    company = _space(runtime, COMPANY, "c1")
    orphan = _space(runtime, PROJECT, "p1")
    _grant(runtime, member, company)
    _grant(runtime, member, orphan)
    _enter(runtime, member, PROJECT, "p1", parent=company)
    assert _parent_id(runtime, orphan) is None


def test_enter_orphan_project_with_grant_on_it_alone_enters_without_adopting_the_company(
    runtime: Runtime, member: Actor
) -> None:
    company = _space(runtime, COMPANY, "c1")
    orphan = _space(runtime, PROJECT, "p1")
    _grant(runtime, member, orphan)
    assert _enter(runtime, member, PROJECT, "p1", parent=company).id == orphan.id
    assert _parent_id(runtime, orphan) is None


def test_enter_orphan_project_as_admin_adopts_the_company(runtime: Runtime, admin: Actor) -> None:
    company = _space(runtime, COMPANY, "c1")
    orphan = _space(runtime, PROJECT, "p1")
    _enter(runtime, admin, PROJECT, "p1", parent=company, create=True)
    assert _parent_id(runtime, orphan) == company.id


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
