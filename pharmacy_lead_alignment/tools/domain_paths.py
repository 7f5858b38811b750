# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a filter on leads reads, along every relation path, and whether it
may read it.

A fit rule or a nurture track is evaluated twice: in memory on the leads
just saved, and in SQL by the nightly run. Both agree only on stored
fields; a computed field that is not stored (``temperature``…) is ignored
by SQL and computed in memory, so the rule would match differently. And a
rule runs as superuser: a filter on ``user_id.password`` or on a field only
some groups see would leak through the score what the author may not read.

The walk gets the fields from a ``describe(model, field name)`` callback
returning a :class:`FieldInfo` (or ``None`` for no such field), so it needs
no ORM.

>>> fields = {
...     ("crm.lead", "partner_id"): FieldInfo("many2one", "res.partner", True, True),
...     ("crm.lead", "temperature"): FieldInfo("selection", None, False, True),
...     ("res.partner", "country_id"): FieldInfo("many2one", "res.country", True, True),
... }
>>> describe = lambda model, name: fields.get((model, name))
>>> sorted(check_domain([("partner_id.country_id", "=", 1)], "crm.lead", describe))
['partner_id.country_id']
>>> try:
...     domain = ["|", ("temperature", "=", "hot"), (1, "=", 1)]
...     check_domain(domain, "crm.lead", describe)
... except DomainPathError as error:
...     print(error.code, error.path, error.model, error.field)
not_stored temperature crm.lead temperature
"""

from typing import NamedTuple

RELATIONAL_TYPES = frozenset({"many2one", "one2many", "many2many"})
#: Operators whose value is a filter on the comodel of the field.
SUBDOMAIN_OPERATORS = frozenset({"any", "not any"})
#: Models whose fields no filter on leads may read: users and their data
#: (passwords, API keys, logins, settings).
SENSITIVE_MODELS = ("res.users",)


class FieldInfo(NamedTuple):
    """What the walk needs to know of one field."""

    type: str
    #: comodel of a relational field, else ``None``
    relation: str | None
    stored: bool
    #: readable by the least-privileged user the filter works for
    readable: bool


class DomainPathError(Exception):
    """A field path that a filter may not read.

    ``code`` is ``unknown`` (no such field, or a path going on after a field
    that is not relational), ``sensitive`` (a field of a user), ``forbidden``
    (a field the caller excluded, e.g. a score), ``restricted`` (a field
    not everyone may read) or ``not_stored``; ``path`` is the whole path as
    written (with the path of the enclosing ``any`` filter in front),
    ``model`` and ``field`` the step that is refused.
    """

    def __init__(self, code, path, model=None, field=None):
        super().__init__(code, path, model, field)
        self.code = code
        self.path = path
        self.model = model
        self.field = field


def groups_allow(group_spec, has_group):
    """Whether someone with ``has_group(xmlid)`` may read a field restricted
    to ``group_spec``, as Odoo reads it: member of one of the groups, and of
    none of the groups preceded by ``!``. An empty spec restricts nothing.

    >>> held = {"base.group_user", "sales_team.group_sale_salesman"}.__contains__
    >>> groups_allow("", held), groups_allow("base.group_user", held)
    (True, True)
    >>> groups_allow("base.group_system,base.group_erp_manager", held)
    False
    >>> groups_allow("!base.group_user", held), groups_allow(".", held)
    (False, False)
    """
    if not group_spec:
        return True
    if group_spec == ".":
        return False
    positives, negatives = [], []
    for ext_id in group_spec.split(","):
        ext_id = ext_id.strip()
        if ext_id.startswith("!"):
            negatives.append(ext_id[1:])
        elif ext_id:
            positives.append(ext_id)
    if any(has_group(ext_id) for ext_id in negatives):
        return False
    return not positives or any(has_group(ext_id) for ext_id in positives)


def is_sensitive_model(model, sensitive_models=SENSITIVE_MODELS):
    """Whether ``model`` is one of ``sensitive_models`` or one of their
    sub-models (``res.users`` → ``res.users.apikeys``…).

    >>> is_sensitive_model("res.users.apikeys"), is_sensitive_model("res.partner")
    (True, False)
    """
    return any(
        model == name or model.startswith(name + ".") for name in sensitive_models
    )


def leaves(domain):
    """``(path, operator, value)`` of each condition of ``domain`` whose left
    side is a field path (``'|'``, ``'&'``, ``'!'`` and ``(1, '=', 1)`` are
    skipped).

    >>> list(leaves(["|", ("a", "=", 1), ["b.c", "in", [2]], (0, "=", 1)]))
    [('a', '=', 1), ('b.c', 'in', [2])]
    """
    for item in domain:
        if (
            isinstance(item, list | tuple)
            and len(item) == 3
            and isinstance(item[0], str)
        ):
            yield item[0], item[1], item[2]


def walk_path(
    model,
    path,
    describe,
    *,
    forbidden=frozenset(),
    forbidden_prefixes=(),
    sensitive_models=SENSITIVE_MODELS,
    shown_path=None,
):
    """Check each field of the dotted ``path`` from ``model``.

    Every step must exist, be stored and readable, not belong to a user
    (:data:`SENSITIVE_MODELS`), not be named in ``forbidden`` nor start with
    one of ``forbidden_prefixes``.

    :param shown_path: the path put in the error (default ``path``)
    :return: the comodel the path ends on, or ``None`` when its last field
        is not relational
    :raise DomainPathError: for the first step refused
    """
    shown_path = shown_path or path
    current = model
    for name in path.split("."):
        if current is None:  # the previous field was not relational
            raise DomainPathError("unknown", shown_path, model, name)
        model = current
        if is_sensitive_model(current, sensitive_models):
            raise DomainPathError("sensitive", shown_path, current, name)
        info = describe(current, name)
        if info is None:
            raise DomainPathError("unknown", shown_path, current, name)
        if name in forbidden or name.startswith(tuple(forbidden_prefixes)):
            raise DomainPathError("forbidden", shown_path, current, name)
        if not info.readable:
            raise DomainPathError("restricted", shown_path, current, name)
        if not info.stored:
            raise DomainPathError("not_stored", shown_path, current, name)
        if info.type == "properties":
            # what follows names a property of the record, not a field
            return None
        current = info.relation if info.type in RELATIONAL_TYPES else None
    return current


def check_domain(domain, model, describe, *, prefix="", **options):
    """Check every field path ``domain`` reads on ``model``, also inside the
    filters of ``any`` and ``not any`` conditions (on the comodel).

    :param options: passed to :func:`walk_path` (``forbidden``,
        ``forbidden_prefixes``, ``sensitive_models``)
    :return: the set of paths read (those of sub-filters with the path of
        their field in front)
    :raise DomainPathError: for the first path refused

    >>> fields = {
    ...     ("crm.lead", "user_id"): FieldInfo("many2one", "res.users", True, True),
    ...     ("crm.lead", "partner_id"): FieldInfo(
    ...         "many2one", "res.partner", True, True
    ...     ),
    ...     ("res.partner", "opportunity_ids"): FieldInfo(
    ...         "one2many", "crm.lead", True, True
    ...     ),
    ...     ("crm.lead", "lead_score"): FieldInfo("integer", None, True, True),
    ...     ("res.users", "login"): FieldInfo("char", None, True, True),
    ... }
    >>> describe = lambda model, name: fields.get((model, name))
    >>> sorted(check_domain([("user_id", "=", 2)], "crm.lead", describe))
    ['user_id']
    >>> for domain in (
    ...     [("user_id.login", "=", "admin")],
    ...     [("partner_id", "any", [("opportunity_ids.lead_score", ">", 5)])],
    ... ):
    ...     try:
    ...         check_domain(domain, "crm.lead", describe, forbidden={"lead_score"})
    ...     except DomainPathError as error:
    ...         print(error.code, error.path)
    sensitive user_id.login
    forbidden partner_id.opportunity_ids.lead_score
    """
    paths = set()
    for path, operator, value in leaves(domain):
        full_path = prefix + path
        end = walk_path(model, path, describe, shown_path=full_path, **options)
        paths.add(full_path)
        if (
            isinstance(operator, str)
            and operator.lower() in SUBDOMAIN_OPERATORS
            and isinstance(value, list | tuple)
        ):
            if end is None:
                raise DomainPathError("unknown", full_path, model, path)
            paths |= check_domain(
                value, end, describe, prefix=full_path + ".", **options
            )
    return paths
