"""The registry of places and people (底数清).

street -> community -> compound -> building -> unit -> room -> household -> person; grids group
buildings. Every row below Street carries ``community``: it is the tenant, the scoping key and the
future shard key, copied onto child rows by the services that create them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Street(models.Model):
    """A street office (街道): gives orders to its communities and reads their counts."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A community (社区 / 居委会): the tenant of the system."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street"))
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PropertyCompany(models.Model):
    """A property company (物业) that manages one or more compounds of a community."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("property company")
        verbose_name_plural = _("property companies")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="property_company_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Compound(models.Model):
    """A compound (小区): a residential estate, an old open compound, or a single building (独体楼)."""

    class Kind(models.TextChoices):
        GATED = "gated", _("gated compound")
        OPEN = "open", _("open compound")
        SINGLE_BUILDING = "single_building", _("single building")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GATED)
    property_company = models.ForeignKey(
        PropertyCompany,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="compounds",
        verbose_name=_("property company"),
    )

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="compound_unique_name")]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """A grid (网格): a group of buildings with assigned grid workers."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community_id", "number"]
        constraints = [models.UniqueConstraint(fields=["community", "number"], name="grid_unique_number")]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """A building (楼栋): "9号楼", "9栋" and "9幢" are all number "9"."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("compound")
    )
    number = models.CharField(_("number"), max_length=16)
    # Numeric part of ``number`` so that 10 sorts after 9.
    sort_key = models.PositiveIntegerField(default=0, editable=False)
    grid = models.ForeignKey(
        Grid, on_delete=models.SET_NULL, null=True, blank=True, related_name="buildings", verbose_name=_("grid")
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["compound_id", "sort_key", "number"]
        constraints = [models.UniqueConstraint(fields=["compound", "number"], name="building_unique_number")]
        indexes = [models.Index(fields=["community", "grid"], name="building_community_grid")]

    def __str__(self) -> str:
        return _("Building %(number)s") % {"number": self.number}


class Unit(models.Model):
    """A unit (单元): a stairwell inside a building."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building"))
    number = models.CharField(_("number"), max_length=16)
    sort_key = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building_id", "sort_key", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unit_unique_number")]

    def __str__(self) -> str:
        return _("Unit %(number)s") % {"number": self.number}


class Room(models.Model):
    """A room (室): "502" is floor 5, door 02. Households live in rooms."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("unit"))
    number = models.CharField(_("number"), max_length=16)
    floor = models.SmallIntegerField(_("floor"))

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["unit_id", "floor", "number"]
        constraints = [models.UniqueConstraint(fields=["unit", "number"], name="room_unique_number")]

    def __str__(self) -> str:
        return self.number

    @property
    def address(self) -> str:
        """9-2-502 style short address."""
        return f"{self.unit.building.number}-{self.unit.number}-{self.number}"

    @property
    def full_address(self) -> str:
        b = self.unit.building
        return _("%(compound)s building %(building)s unit %(unit)s room %(room)s") % {
            "compound": b.compound.name,
            "building": b.number,
            "unit": self.unit.number,
            "room": self.number,
        }


class Household(models.Model):
    """A household (户): the people living in one room. A room may hold more than one (shared rentals)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("lives here")
        VACATED = "vacated", _("moved out")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="households", verbose_name=_("room"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["community", "status"], name="household_community_status")]

    def __str__(self) -> str:
        return self.room.address

    def get_absolute_url(self) -> str:
        return reverse("registry:household", args=[self.pk])


class Person(models.Model):
    """A person living in (or found in) the community. The ID number is optional: children,
    foreigners and people found on a doorstep may have none."""

    class Sex(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")
        UNKNOWN = "unknown", _("unknown")

    class Residency(models.TextChoices):
        RESIDENT = "resident", pgettext_lazy("residency", "resident")
        TENANT = "tenant", _("tenant")
        MIGRANT = "migrant", _("migrant worker")
        TEMPORARY = "temporary", _("temporary resident")
        NON_RESIDENT = "non_resident", _("non-resident staying")

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        GRANDPARENT = "grandparent", _("grandparent")
        SIBLING = "sibling", _("sibling")
        CHILD_IN_LAW = "child_in_law", _("son- or daughter-in-law")
        TENANT = "tenant", pgettext_lazy("relation", "tenant")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("lives here")
        MOVED_OUT = "moved_out", _("moved out")
        DECEASED = "deceased", _("deceased")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="persons", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=60)
    # Derived from ``name`` by the services, for search by pinyin initials ("zs" finds 张三).
    name_initials = models.CharField(max_length=60, editable=False, db_index=True)
    name_pinyin = models.CharField(max_length=240, editable=False)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    residency = models.CharField(_("residency"), max_length=16, choices=Residency.choices, default=Residency.RESIDENT)
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices, default=Relation.OTHER)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "id_number"],
                condition=Q(id_number__isnull=False),
                name="person_unique_id_number",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "name"], name="person_community_name"),
            models.Index(fields=["community", "status"], name="person_community_status"),
            # Gates identify a person by phone when there is no pass.
            models.Index(fields=["community", "phone"], name="person_community_phone"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:person", args=[self.pk])


class PersonTag(models.Model):
    """A special-population tag with its details: elderly living alone, chronic disease with the
    medicine and dose, and so on."""

    class Tag(models.TextChoices):
        ELDERLY_ALONE = "elderly_alone", _("elderly living alone")
        CHRONIC = "chronic", _("chronic disease")
        LOW_INCOME = "low_income", _("low-income household")
        PREGNANT = "pregnant", _("pregnant")
        INFANT = "infant", _("infant")
        DISABLED = "disabled", _("disability")
        BEDRIDDEN = "bedridden", _("bedridden")
        STRANDED = "stranded", _("trapped by lockdown")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags", verbose_name=_("person"))
    tag = models.CharField(_("tag"), max_length=20, choices=Tag.choices)
    note = models.CharField(_("details"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("special-population tag")
        verbose_name_plural = _("special-population tags")
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="person_tag_unique")]
        indexes = [models.Index(fields=["community", "tag"], name="person_tag_community_tag")]

    def __str__(self) -> str:
        return self.get_tag_display()


# The reason of a residence opened by registration, as it has been stored.
REGISTERED = frozenset({"registered", "入户登记"})


class Residence(models.Model):
    """Where a person lived and when: one open row (``ended_at`` null) per person who lives here."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("community"))
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residences")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residences")
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        ordering = ["person_id", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_at__isnull=True), name="residence_one_open_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.household_id} {self.started_at:%Y-%m-%d}"

    @property
    def reason_shown(self) -> str:
        """The reason in the reader's language when it is the one written automatically on
        registration (stored as "registered"; older rows hold the word of the writer's language)."""
        return str(_("registered")) if self.reason in REGISTERED else self.reason
