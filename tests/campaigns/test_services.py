"""Campaign services: the snapshot, coverage arithmetic, visits, pooled tubes, results and re-tests."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from shequ.accounts.access import scope_for
from shequ.alerts.models import Alert
from shequ.campaigns import selectors, services
from shequ.campaigns.models import ExemptReason, Retest, RetestStatus, Sample, Target, Tube, VisitOutcome
from shequ.registry.models import Building, Household, Person
from shequ.registry.services import clean_person_fields
from tests.campaigns.conftest import open_round, sample_in

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def active_persons(building: Any) -> list[Person]:
    return list(Person.objects.filter(household__room__unit__building=building, status="active",
                                      household__status="active").order_by("id"))


def test_opening_snapshots_every_active_person_and_household_in_scope(test_round: Any, building9: Any) -> None:
    persons = active_persons(building9)
    assert persons
    assert set(Target.objects.filter(campaign=test_round).values_list("person_id", flat=True)) == {
        p.pk for p in persons}
    households = {p.household_id for p in persons}
    assert set(test_round.target_households.values_list("household_id", flat=True)) == households
    target = Target.objects.get(campaign=test_round, person=persons[0])
    assert (target.building_id, target.grid_id) == (building9.pk, building9.grid_id)
    assert not target.added_mid_round and target.reached_at is None


def test_a_grid_campaign_covers_only_that_grid(secretary: Any, building9: Any) -> None:
    campaign = open_round(secretary, grid=building9.grid)
    grids = set(Target.objects.filter(campaign=campaign).values_list("grid_id", flat=True))
    assert grids == {building9.grid_id}
    assert Target.objects.filter(campaign=campaign).count() == Person.objects.filter(
        household__room__unit__building__grid=building9.grid, status="active", household__status="active").count()


def test_a_whole_community_round_leaves_other_communities_out(secretary: Any) -> None:
    campaign = open_round(secretary)
    assert not Target.objects.filter(campaign=campaign).exclude(community_id=campaign.community_id).exists()
    assert Target.objects.filter(campaign=campaign).count() == Person.objects.filter(
        community_id=campaign.community_id, status="active", household__status="active").count()


def test_coverage_arithmetic(test_round: Any, building9: Any, secretary: Any) -> None:
    persons = active_persons(building9)
    total = len(persons)
    scope = scope_for(secretary)
    # 10 sampled in a pooled tube, 2 exempted, 1 added mid-round (found on a doorstep) and sampled.
    services.tube_register(actor=secretary, campaign=test_round, code="T0001", pooling=10,
                           samples=[sample_in(p) for p in persons[:10]])
    for p, reason, note in ((persons[10], ExemptReason.IN_HOSPITAL, ""), (persons[11], ExemptReason.AWAY, "车票")):
        services.target_exempt(actor=secretary, target=Target.objects.get(campaign=test_round, person=p),
                               reason=reason, note=note)
    household = persons[12].household
    found = services.person_found(actor=secretary, campaign=test_round, household=household,
                                  data=clean_person_fields(name="王建设", residency="migrant"))
    assert found.added_mid_round and found.found_in_screening
    services.tube_register(actor=secretary, campaign=test_round, code="T0002", pooling=1,
                           samples=[sample_in(found.person)])
    c = selectors.coverage(scope, test_round)
    assert c.total.targeted == total + 1
    assert c.total.reached == 11
    assert c.total.exempt == 2
    assert c.total.added == 1
    assert c.total.missing == total + 1 - 11 - 2
    assert [r.counts.targeted for r in c.buildings] == [total + 1]
    assert sum(r.counts.missing for r in c.units) == c.total.missing
    missing = list(selectors.missing_targets(scope, test_round))
    assert len(missing) == c.total.missing
    assert not {persons[10].pk, persons[11].pk, found.person_id} & {t.person_id for t in missing}
    # An exempted person who is sampled after all counts as reached, not exempt.
    services.tube_register(actor=secretary, campaign=test_round, code="T0003", pooling=1,
                           samples=[sample_in(persons[10])])
    c2 = selectors.coverage(scope, test_round)
    assert (c2.total.reached, c2.total.exempt, c2.total.missing) == (12, 1, c.total.missing)


def test_away_needs_proof(test_round: Any, secretary: Any) -> None:
    target = Target.objects.filter(campaign=test_round).first()
    with pytest.raises(ValidationError) as e:
        services.target_exempt(actor=secretary, target=target, reason=ExemptReason.AWAY)
    assert "note" in e.value.message_dict


def test_screening_visit_confirms_present_and_corrects_the_registry(screening: Any, building9: Any,
                                                                     secretary: Any) -> None:
    household = Household.objects.filter(room__unit__building=building9, status="active").annotate(
        n=__import__("django.db.models", fromlist=["Count"]).Count("persons")).filter(n__gte=2).order_by("id").first()
    present, gone = list(household.persons.filter(status="active").order_by("id"))[:2]
    services.visit_record(actor=secretary, campaign=screening, household=household, outcome=VisitOutcome.VISITED,
                          present={present.pk: Decimal("36.6")}, moved_out=[gone.pk], notes="租户已搬走")
    t_present = Target.objects.get(campaign=screening, person=present)
    t_gone = Target.objects.get(campaign=screening, person=gone)
    assert t_present.reached_at is not None and t_present.temperature == Decimal("36.6")
    assert t_gone.exempt_reason == ExemptReason.MOVED_OUT and t_gone.reached_at is None
    gone.refresh_from_db()
    assert gone.status == Person.Status.MOVED_OUT
    th = screening.target_households.get(household=household)
    assert th.last_outcome == VisitOutcome.VISITED and th.visits == 1
    assert household not in [t.household for t in selectors.unvisited_households(scope_for(secretary), screening)]


def test_nobody_home_stays_on_the_list_and_a_revisit_counts(screening: Any, building9: Any, secretary: Any) -> None:
    household = Household.objects.filter(room__unit__building=building9, status="active").order_by("id").first()
    services.visit_record(actor=secretary, campaign=screening, household=household, outcome=VisitOutcome.NOBODY_HOME)
    scope = scope_for(secretary)
    assert household.pk in [t.household_id for t in selectors.unvisited_households(scope, screening)]
    member = household.persons.filter(status="active").first()
    services.visit_record(actor=secretary, campaign=screening, household=household, outcome=VisitOutcome.VISITED,
                          present={member.pk: None})
    th = screening.target_households.get(household=household)
    assert th.visits == 2 and th.last_outcome == VisitOutcome.VISITED
    with pytest.raises(ValidationError):
        services.visit_record(actor=secretary, campaign=screening, household=household,
                              outcome=VisitOutcome.REFUSED, present={member.pk: None})


def test_household_found_moved_out_exempts_its_people(screening: Any, building9: Any, secretary: Any) -> None:
    household = Household.objects.filter(room__unit__building=building9, status="active").order_by("-id").first()
    services.visit_record(actor=secretary, campaign=screening, household=household, outcome=VisitOutcome.MOVED_OUT)
    household.refresh_from_db()
    assert household.status == Household.Status.VACATED
    reasons = set(Target.objects.filter(campaign=screening, household=household).values_list("exempt_reason",
                                                                                               flat=True))
    assert reasons == {ExemptReason.MOVED_OUT}
    c = selectors.coverage(scope_for(secretary), screening)
    assert c.total.exempt == Target.objects.filter(campaign=screening, household=household).count()


# -- tubes -----------------------------------------------------------------------------------------


def test_a_pooled_tube_closes_when_full_and_refuses_more(test_round: Any, building9: Any, secretary: Any) -> None:
    persons = active_persons(building9)
    reg = services.tube_register(actor=secretary, campaign=test_round, code="p5-001", pooling=5,
                                 samples=[sample_in(p) for p in persons[:3]])
    assert reg.tube.code == "P5-001" and reg.tube.size == 3 and not reg.tube.is_closed
    reg = services.tube_register(actor=secretary, campaign=test_round, code="P5-001", pooling=5,
                                 samples=[sample_in(p) for p in persons[3:7]])
    statuses = [s.status for s in reg.samples]
    assert statuses == ["created", "created", "rejected", "rejected"]
    assert reg.samples[2].problem == "The tube is full."
    assert reg.tube.size == 5 and reg.tube.is_closed
    with pytest.raises(ValidationError):
        services.tube_register(actor=secretary, campaign=test_round, code="P5-001", pooling=5,
                               samples=[sample_in(persons[8])])


def test_pooling_must_be_known_and_match_the_tube(test_round: Any, building9: Any, secretary: Any) -> None:
    p = active_persons(building9)
    with pytest.raises(ValidationError) as e:
        services.tube_register(actor=secretary, campaign=test_round, code="X1", pooling=3, samples=[sample_in(p[0])])
    assert "pooling" in e.value.message_dict
    services.tube_register(actor=secretary, campaign=test_round, code="X2", pooling=10, samples=[sample_in(p[0])])
    with pytest.raises(ValidationError) as e:
        services.tube_register(actor=secretary, campaign=test_round, code="X2", pooling=20, samples=[sample_in(p[1])])
    assert "10-in-1" in str(e.value)


def test_same_person_twice_in_a_tube_is_refused_and_twice_in_a_round_flagged(test_round: Any, building9: Any,
                                                                               secretary: Any) -> None:
    p = active_persons(building9)
    reg = services.tube_register(actor=secretary, campaign=test_round, code="A1", pooling=10,
                                 samples=[sample_in(p[0]), sample_in(p[0])])
    assert [s.status for s in reg.samples] == ["created", "rejected"]
    reg = services.tube_register(actor=secretary, campaign=test_round, code="A2", pooling=10, samples=[sample_in(p[0])])
    assert reg.samples[0].status == "created" and reg.samples[0].repeat
    assert Sample.objects.filter(campaign=test_round, person=p[0], repeat=True).count() == 1


def test_a_person_of_another_community_is_rejected(test_round: Any, secretary: Any) -> None:
    stranger = Person.objects.exclude(community_id=test_round.community_id).first()
    reg = services.tube_register(actor=secretary, campaign=test_round, code="B1", pooling=5,
                                 samples=[sample_in(stranger)])
    assert reg.samples[0].status == "rejected" and reg.tube.size == 0


def test_same_client_id_returns_the_first_sample_and_records_nothing(test_round: Any, building9: Any,
                                                                     secretary: Any) -> None:
    p = active_persons(building9)
    spec = sample_in(p[0])
    first = services.tube_register(actor=secretary, campaign=test_round, code="C1", pooling=5, samples=[spec])
    again = services.tube_register(actor=secretary, campaign=test_round, code="C1", pooling=5, samples=[spec])
    assert again.samples[0].status == "existing" and again.samples[0].sample.pk == first.samples[0].sample.pk
    assert Sample.objects.filter(client_id=spec.client_id).count() == 1
    assert Tube.objects.get(pk=first.tube.pk).size == 1


def test_one_client_id_sent_for_two_tubes_at_the_same_moment_is_stored_once(world_tx: None) -> None:
    """Two phones send the same sample (one client_id) into two different tubes at the same moment.
    Each tube is locked by its own registration, so neither waits for the other: the first has
    inserted the sample, not committed, when the second looks for earlier copies and finds none.
    The second's insert then meets the unique client_id, its transaction is rolled back, and on the
    retry it finds the first's sample in the other tube and is refused, saying why."""
    import threading

    from django.db import connection

    from shequ.accounts.models import User
    from tests.campaigns.conftest import open_round
    from tests.concurrency import after_statement, at_once, database_for_threads, postgresql_only

    postgresql_only("SQLite takes the write lock at BEGIN (IMMEDIATE): the second registration starts only "
                    "after the first committed and finds its sample at once (test_uuid_reused_for_another_tube_"
                    "is_refused)")
    secretary = User.objects.get(username="secretary")
    campaign = open_round(secretary, name="并发两管", buildings=[Building.objects.get(
        community__code="futong", compound__name="富通小区", number="9")])
    person = Person.objects.filter(household__room__unit__building__number="9", community__code="futong",
                                   status="active").order_by("id").first()
    spec = sample_in(person)
    first_inserted, second_looked = threading.Event(), threading.Event()

    def register(i: int) -> Any:
        translation.activate("en")
        if i == 0:
            with connection.execute_wrapper(after_statement("INSERT", "campaigns_sample", first_inserted,
                                                            second_looked)):
                return services.tube_register(actor=secretary, campaign=campaign, code="RACE-A", pooling=5,
                                              samples=[spec]).samples[0].status
        assert first_inserted.wait(timeout=60)
        with connection.execute_wrapper(after_statement("SELECT", "campaigns_sample", second_looked)):
            try:
                services.tube_register(actor=secretary, campaign=campaign, code="RACE-B", pooling=5, samples=[spec])
            except ValidationError as refused:
                return refused.message_dict
        return "registered"

    with database_for_threads():
        outcome = at_once(2, register)
        stored = at_once(1, lambda i: (list(Sample.objects.filter(client_id=spec.client_id)
                                             .values_list("tube__code", flat=True)),
                                        Tube.objects.filter(campaign_id=campaign.pk, code="RACE-B").exists()))[0]
    assert outcome == ["created", {"client_id": ["A client_id was already used for another tube."]}]
    assert stored == (["RACE-A"], False)

def test_a_person_sampled_outside_the_targets_is_added_mid_round(test_round: Any, secretary: Any,
                                                                  building9: Any) -> None:
    elsewhere = Person.objects.filter(community_id=test_round.community_id, status="active").exclude(
        household__room__unit__building=building9).first()
    services.tube_register(actor=secretary, campaign=test_round, code="E1", pooling=1, samples=[sample_in(elsewhere)])
    t = Target.objects.get(campaign=test_round, person=elsewhere)
    assert t.added_mid_round and not t.found_in_screening and t.reached_at is not None


def test_closed_campaign_takes_no_samples(test_round: Any, building9: Any, secretary: Any) -> None:
    services.campaign_close(actor=secretary, campaign=test_round)
    test_round.refresh_from_db()
    with pytest.raises(ValidationError):
        services.tube_register(actor=secretary, campaign=test_round, code="F1", pooling=1,
                               samples=[sample_in(active_persons(building9)[0])])


# -- results and re-tests -----------------------------------------------------------------------------


def test_positive_pool_lists_its_persons_alerts_and_single_retests_close_the_loop(
        test_round: Any, building9: Any, secretary: Any) -> None:
    p = active_persons(building9)[:10]
    reg = services.tube_register(actor=secretary, campaign=test_round, code="POS-10", pooling=10,
                                 samples=[sample_in(x) for x in p])
    assert reg.tube.is_closed
    alerts_before = Alert.objects.filter(kind="tube_positive").count()
    outcome = services.tube_result_set(actor=secretary, tube=reg.tube, result="positive")
    assert outcome.retests == 10
    scope = scope_for(secretary)
    listed = list(selectors.retest_list(scope, test_round, pending_only=True))
    assert {r.person_id for r in listed} == {x.pk for x in p}
    alert = Alert.objects.filter(kind="tube_positive").order_by("-id").first()
    assert Alert.objects.filter(kind="tube_positive").count() == alerts_before + 1
    assert alert.params["tube"] == "POS-10" and alert.params["count"] == 10
    # Re-test each singly: nine negative, one positive.
    for i, person in enumerate(p):
        r = services.tube_register(actor=secretary, campaign=test_round, code=f"RT-{i}", pooling=1,
                                   samples=[sample_in(person)])
        assert r.samples[0].sample.retest and not r.samples[0].sample.repeat
        services.tube_result_set(actor=secretary, tube=r.tube, result="positive" if i == 3 else "negative")
    statuses = dict(Retest.objects.filter(campaign=test_round).values_list("person_id", "status"))
    assert statuses[p[3].pk] == RetestStatus.POSITIVE
    assert sum(1 for s in statuses.values() if s == RetestStatus.NEGATIVE) == 9
    assert not list(selectors.retest_list(scope, test_round, pending_only=True))


def test_invalid_tube_puts_persons_on_the_retest_list(test_round: Any, building9: Any, secretary: Any) -> None:
    p = active_persons(building9)[:5]
    reg = services.tube_register(actor=secretary, campaign=test_round, code="INV", pooling=5,
                                 samples=[sample_in(x) for x in p])
    services.tube_result_set(actor=secretary, tube=reg.tube, result="invalid")
    assert Retest.objects.filter(campaign=test_round, status="pending").count() == 5
    assert Alert.objects.filter(kind="tube_invalid", params__tube="INV").exists()


def test_a_result_cannot_be_changed_but_repeating_it_is_harmless(test_round: Any, building9: Any,
                                                                 secretary: Any) -> None:
    reg = services.tube_register(actor=secretary, campaign=test_round, code="N1", pooling=1,
                                 samples=[sample_in(active_persons(building9)[0])])
    assert services.tube_result_set(actor=secretary, tube=reg.tube, result="negative").changed
    assert not services.tube_result_set(actor=secretary, tube=reg.tube, result="negative").changed
    with pytest.raises(ValidationError):
        services.tube_result_set(actor=secretary, tube=reg.tube, result="positive")


def test_sealed_area_pooling_of_several_households_warns(secretary: Any) -> None:
    from shequ.containment.models import ContainmentArea

    area = ContainmentArea.objects.filter(level="sealed", unit__isnull=False).select_related("unit").first()
    assert area is not None
    campaign = open_round(secretary, units=[area.unit])
    persons = list(Person.objects.filter(household__room__unit=area.unit, status="active").order_by("household_id"))
    households = {p.household_id for p in persons[:10]}
    assert len(households) > 1
    reg = services.tube_register(actor=secretary, campaign=campaign, code="S1", pooling=10,
                                 samples=[sample_in(x) for x in persons[:10]])
    assert reg.warnings


def test_uuid_reused_for_another_tube_is_refused(test_round: Any, building9: Any, secretary: Any) -> None:
    p = active_persons(building9)
    spec = services.SampleIn(client_id=uuid.uuid4(), person=p[0])
    services.tube_register(actor=secretary, campaign=test_round, code="U1", pooling=1, samples=[spec])
    with pytest.raises(ValidationError):
        services.tube_register(actor=secretary, campaign=test_round, code="U2", pooling=1, samples=[spec])


def test_the_tube_row_is_inserted_once_and_read_back_as_the_orm_reads_it(test_round: Any, building9: Any,
                                                                          secretary: Any) -> None:
    """_tube_for inserts or finds-and-locks the tube in one statement (core/rows.py insert_or_lock)."""
    from django.db import transaction

    def fields(tube: Tube) -> dict[str, Any]:
        return {f.attname: getattr(tube, f.attname) for f in Tube._meta.concrete_fields}

    with transaction.atomic():
        new = services._tube_for(test_round, "T-ONCE", 10, None, secretary)
    assert fields(new) == fields(Tube.objects.get(pk=new.pk)) and new.created_by_id == secretary.pk
    Tube.objects.filter(pk=new.pk).update(size=4)
    with transaction.atomic():
        again = services._tube_for(test_round, "T-ONCE", 10, None, None)
    assert again.pk == new.pk and again.size == 4 and again.created_by_id == secretary.pk
    assert fields(again) == fields(Tube.objects.get(pk=new.pk))
    assert Tube.objects.filter(campaign=test_round, code="T-ONCE").count() == 1


def test_a_common_tube_registration_costs_eight_statements(test_round: Any, building9: Any, secretary: Any) -> None:
    """The refusals of issue 10.7/10.8 are checked in Python: a new 10-in-1 tube of ten targets,
    with no sealed area in force, is still eight statements (tube, earlier copies, re-tests and
    earlier samples, samples, targets, sealed areas, tube size, audit event)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shequ.containment.models import ContainmentArea

    ContainmentArea.objects.filter(community_id=test_round.community_id, level="sealed").delete()
    persons = active_persons(building9)[:10]
    with CaptureQueriesContext(connection) as ctx:
        reg = services.tube_register(actor=secretary, campaign=test_round, code="FAST", pooling=10,
                                     samples=[sample_in(p) for p in persons])
    assert reg.created == 10 and reg.tube.is_closed
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 8, "\n".join(statements)
