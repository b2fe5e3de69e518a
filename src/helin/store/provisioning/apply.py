"""Applying a validated provisioning file to a session: match, compare, change, count.

Objects are matched by name (tenants, trunks, groups within a tenant), username or SIP
username, and number. A field the file leaves out is left alone on an existing object and
gets its default on a new one; a list the file gives (numbers, devices, members, hours,
exceptions, peers) is made to match exactly. Problems only the database can reveal are
collected with the path of the field that caused them; the caller rolls back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from helin.store.accounts import digest_ha1, hash_password, needs_rehash, verify_password
from helin.store.provisioning.groups import GroupSettings
from helin.store.provisioning.schema import (
    CodeSpec,
    GroupSpec,
    OperatorSpec,
    ProvisionSpec,
    TenantSpec,
    TrunkSpec,
    UserSpec,
    assign,
    given,
    wanted,
)
from helin.store.provisioning.yamlsource import Path, Problem
from helin.store.tables import (
    Device,
    DispositionCode,
    Group,
    Number,
    PauseReason,
    Tenant,
    Trunk,
    TrunkPeer,
    User,
)

if TYPE_CHECKING:
    from helin.store.provisioning.file import ProvisionSummary


class Applier:
    """One application of a file; ``problems`` lists what stopped it."""

    def __init__(self, session: Session, spec: ProvisionSpec, summary: ProvisionSummary) -> None:
        self.session = session
        self.spec = spec
        self.counts = summary.counts
        self.problems: list[Problem] = []
        self._numbers: dict[str, tuple[Group | User, Path]] = {}
        self._released: set[tuple[str, int]] = set()
        self._new: set[object] = set()
        """Rows this run created (their later changes are not counted as updates)."""
        self._updated: set[object] = set()

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(Problem(path, message))

    def count(self, kind: str, row: object, created: bool, changed: bool) -> None:
        """Count ``row`` once: as created, or as updated the first time it changes."""
        if created:
            self._new.add(row)
            self.counts[kind].created += 1
        elif changed and row not in self._new and row not in self._updated:
            self._updated.add(row)
            self.counts[kind].updated += 1

    def run(self) -> None:
        for i, operator in enumerate(self.spec.operators):
            self.operator(("operators", i), operator)
        for i, trunk in enumerate(self.spec.trunks):
            self.trunk(("trunks", i), trunk)
        tenants: list[tuple[Path, TenantSpec, Tenant, list[User], list[Group]]] = []
        for i, tenant_spec in enumerate(self.spec.tenants):
            at: Path = ("tenants", i)
            tenant = self.tenant(at, tenant_spec)
            users = [
                self.user((*at, "users", u), tenant, s) for u, s in enumerate(tenant_spec.users)
            ]
            groups = [
                self.group_row((*at, "groups", g), tenant, s)
                for g, s in enumerate(tenant_spec.groups)
            ]
            tenants.append((at, tenant_spec, tenant, users, groups))
            for reason in tenant_spec.pause_reasons:
                self.coded("pause_reasons", PauseReason, {"tenant_id": tenant.id}, reason)
        self.session.flush()
        self.numbers()
        for at, tenant_spec, tenant, users, groups in tenants:
            for g, (group, group_spec) in enumerate(zip(groups, tenant_spec.groups, strict=True)):
                self.group_settings((*at, "groups", g), tenant, group, group_spec)
            for u, (user, user_spec) in enumerate(zip(users, tenant_spec.users, strict=True)):
                self.presented_number((*at, "users", u), tenant, user, user_spec)

    # -- people -------------------------------------------------------------------------

    def operator(self, at: Path, spec: OperatorSpec) -> None:
        user = self.session.scalar(select(User).where(User.username == spec.username))
        if user is not None and not user.operator:
            self.problem((*at, "username"), f"{spec.username!r} is a user of a tenant")
            return
        created = user is None
        if user is None:
            user = User(username=spec.username, operator=True)
            self.session.add(user)
        fields = {"display_name": "display_name", "email": "email", "disabled": "disabled"}
        changed = assign(user, wanted(spec, created, fields))
        changed |= self.password(user, spec.password)
        self.count("users", user, created, changed)

    def password(self, user: User, password: str | None) -> bool:
        if password is None:
            return False
        current = user.password_hash
        if current and verify_password(current, password) and not needs_rehash(current):
            return False
        user.password_hash = hash_password(password)
        return True

    def user(self, at: Path, tenant: Tenant, spec: UserSpec) -> User:
        user = self.session.scalar(select(User).where(User.username == spec.username))
        if user is not None and (user.operator or user.tenant_id != tenant.id):
            owner = "an operator" if user.operator else "a user of another tenant"
            self.problem((*at, "username"), f"{spec.username!r} is already {owner}")
            return user
        created = user is None
        if user is None:
            user = User(username=spec.username, tenant_id=tenant.id)
            self.session.add(user)
        fields = {"display_name": "display_name", "email": "email", "disabled": "disabled"}
        values = wanted(spec, created, fields)
        if given(spec, "rights", created):
            for right in ("tenant_admin", "manager", "agent"):
                values[right] = right in spec.rights
            if not tenant.call_center and ("agent" in spec.rights or "manager" in spec.rights):
                self.problem((*at, "rights"), "agent and manager need the call_center add-on")
        changed = assign(user, values)
        changed |= self.password(user, spec.password)
        self.count("users", user, created, changed)
        if given(spec, "devices", created):
            self.session.flush()
            self.devices(at, tenant, user, spec)
        if given(spec, "numbers", created):
            self.claim_numbers((*at, "numbers"), user, spec.numbers)
        return user

    def devices(self, at: Path, tenant: Tenant, user: User, spec: UserSpec) -> None:
        keep: set[str] = set()
        for d, device_spec in enumerate(spec.devices):
            where = (*at, "devices", d)
            name = device_spec.sip_username
            keep.add(name)
            device = self.session.scalar(select(Device).where(Device.sip_username == name))
            if device is not None and device.user_id != user.id:
                self.problem((*where, "sip_username"), f"{name!r} is a device of another user")
                continue
            created = device is None
            if device is None:
                if device_spec.password is None:
                    self.problem(where, "a new device needs a password")
                    continue
                device = Device(user_id=user.id, sip_username=name)
                self.session.add(device)
            values: dict[str, Any] = {"kind": device_spec.kind}
            if given(device_spec, "label", created):
                values["label"] = device_spec.label
            if device_spec.password is not None:
                md5, sha256 = digest_ha1(name, tenant.sip_domain, device_spec.password)
                values.update(ha1_md5=md5, ha1_sha256=sha256)
            self.count("devices", device, created, assign(device, values))
        for device in self.session.scalars(select(Device).where(Device.user_id == user.id)):
            if device.sip_username not in keep:
                self.session.delete(device)
                self.counts["devices"].removed += 1

    def presented_number(self, at: Path, tenant: Tenant, user: User, spec: UserSpec) -> None:
        if not given(spec, "presented_number", False):
            return
        number = spec.presented_number
        if number is not None:
            row = self.session.scalar(select(Number).where(Number.e164 == number))
            group = (
                None
                if row is None or row.group_id is None
                else self.session.get(Group, row.group_id)
            )
            if group is None or group.tenant_id != tenant.id:
                self.problem(
                    (*at, "presented_number"),
                    f"{number} is not a group number of tenant {tenant.name!r}",
                )
                return
        self.count("users", user, False, assign(user, {"presented_number": number}))

    # -- tenants and trunks ---------------------------------------------------------------

    def tenant(self, at: Path, spec: TenantSpec) -> Tenant:
        other = self.session.scalar(
            select(Tenant).where(Tenant.sip_domain == spec.sip_domain, Tenant.name != spec.name)
        )
        if other is not None:
            self.problem((*at, "sip_domain"), f"{spec.sip_domain} is used by tenant {other.name!r}")
        tenant = self.session.scalar(select(Tenant).where(Tenant.name == spec.name))
        created = tenant is None
        if tenant is None:
            tenant = Tenant(name=spec.name, sip_domain=spec.sip_domain)
            self.session.add(tenant)
        old_realm = tenant.sip_domain
        fields = {
            "sip_domain": "sip_domain",
            "call_center": "call_center",
            "recording": "recording",
            "recording_retention_days": "recording_retention_days",
        }
        changed = assign(tenant, wanted(spec, created, fields))
        self.count("tenants", tenant, created, changed)
        self.session.flush()
        if not created and old_realm != tenant.sip_domain:
            self.realm_changed(at, tenant, spec)
        return tenant

    def coded(
        self,
        kind: str,
        model: type[PauseReason | DispositionCode],
        owner: dict[str, int],
        spec: CodeSpec,
    ) -> None:
        """The entry of ``owner``'s list (``{"tenant_id": 1}``, ``{"group_id": 2}``) with the
        spec's code, made or brought to the spec."""
        self.session.flush()
        row = self.session.scalar(select(model).filter_by(**owner, code=spec.code))
        created = row is None
        if row is None:
            row = model(**owner, code=spec.code)
            self.session.add(row)
        changed = assign(row, wanted(spec, created, {"name": "name", "active": "active"}))
        self.count(kind, row, created, changed)

    def realm_changed(self, at: Path, tenant: Tenant, spec: TenantSpec) -> None:
        """Device HA1s include the realm: every device needs its password again."""
        with_password = {d.sip_username for u in spec.users for d in u.devices if d.password}
        devices = self.session.scalars(
            select(Device.sip_username).join(Device.user).where(User.tenant_id == tenant.id)
        )
        missing = sorted(set(devices) - with_password)
        if missing:
            self.problem(
                (*at, "sip_domain"),
                "a new SIP domain changes every device's digest;"
                f" give the password of {', '.join(missing)}",
            )

    def trunk(self, at: Path, spec: TrunkSpec) -> None:
        trunk = self.session.scalar(select(Trunk).where(Trunk.name == spec.name))
        created = trunk is None
        if trunk is None:
            trunk = Trunk(name=spec.name)
            self.session.add(trunk)
        values = wanted(spec, created, {"enabled": "enabled", "outbound": "outbound_uri"})
        if given(spec, "digest", created):
            digest = spec.digest
            if digest is None:
                values.update(
                    digest_username=None, digest_realm=None, ha1_md5=None, ha1_sha256=None
                )
            else:
                md5, sha256 = digest_ha1(digest.username, digest.realm, digest.password)
                values.update(
                    digest_username=digest.username,
                    digest_realm=digest.realm,
                    ha1_md5=md5,
                    ha1_sha256=sha256,
                )
        changed = assign(trunk, values)
        self.session.flush()
        current = {peer.address: peer for peer in trunk.peers}
        for address in spec.peers:
            if address not in current:
                trunk.peers.append(TrunkPeer(address=address))
                changed = True
        for address, peer in current.items():
            if address not in spec.peers:
                trunk.peers.remove(peer)
                changed = True
        self.count("trunks", trunk, created, changed)

    # -- numbers --------------------------------------------------------------------------

    def claim_numbers(self, at: Path, owner: Group | User, numbers: list[str]) -> None:
        """``owner`` is to own exactly ``numbers`` (applied by ``numbers()``)."""
        if owner.id is None:
            self.session.flush()
        kind = "group" if isinstance(owner, Group) else "user"
        self._released.add((kind, owner.id))
        for n, number in enumerate(numbers):
            self._numbers[number] = (owner, (*at, n))

    def numbers(self) -> None:
        for number, (owner, at) in self._numbers.items():
            group_id = owner.id if isinstance(owner, Group) else None
            user_id = owner.id if isinstance(owner, User) else None
            row = self.session.scalar(select(Number).where(Number.e164 == number))
            if row is None:
                self.session.add(Number(e164=number, group_id=group_id, user_id=user_id))
                self.counts["numbers"].created += 1
            elif (row.group_id, row.user_id) == (group_id, user_id):
                continue
            elif self.released(row):
                assign(row, {"group_id": group_id, "user_id": user_id})
                self.counts["numbers"].updated += 1
            else:
                self.problem(at, f"{number} already belongs to {self.owner_name(row)}")
        for kind, owner_id in self._released:
            column = Number.group_id if kind == "group" else Number.user_id
            for row in self.session.scalars(select(Number).where(column == owner_id)):
                if row.e164 not in self._numbers:
                    self.session.delete(row)
                    self.counts["numbers"].removed += 1
        self.session.flush()

    def released(self, row: Number) -> bool:
        """Whether the file gives the numbers of the row's owner (so it may lose this one)."""
        owner = ("group", row.group_id) if row.group_id is not None else ("user", row.user_id)
        return owner in self._released

    def owner_name(self, row: Number) -> str:
        if row.group_id is not None:
            group = self.session.get(Group, row.group_id)
            assert group is not None
            return f"group {group.name!r} of tenant {group.tenant.name!r}"
        user = self.session.get(User, row.user_id)
        assert user is not None
        return f"user {user.username!r}"

    # -- groups ---------------------------------------------------------------------------

    def group_row(self, at: Path, tenant: Tenant, spec: GroupSpec) -> Group:
        group = self.session.scalar(
            select(Group).where(Group.tenant_id == tenant.id, Group.name == spec.name)
        )
        if group is None:
            if not tenant.call_center:
                self.problem(at, "groups need the tenant's call_center add-on")
            group = Group(tenant_id=tenant.id, name=spec.name)
            self.session.add(group)
            self.session.flush()
            self.count("groups", group, True, True)
        if given(spec, "numbers", group in self._new):
            self.claim_numbers((*at, "numbers"), group, spec.numbers)
        return group

    def group_settings(self, at: Path, tenant: Tenant, group: Group, spec: GroupSpec) -> None:
        changed = GroupSettings(self, at, tenant, group, spec, group in self._new).apply()
        self.count("groups", group, False, changed)
