"""Public survey pages: only published surveys, aggregates only, charts with their numbers in
tables, breakdown cells under 3 suppressed with a visible note, aggregated downloads."""

import csv
import io

import openpyxl
import pytest

from profiles.models import Region
from surveys.models import Answer, Group, Question, Respondent, Survey

pytestmark = pytest.mark.django_db


def answer(respondent, code, value, *mechanisms):
    question = Question.objects.get(
        questionnaire__survey=respondent.survey, questionnaire__group=respondent.group, code=code
    )
    created = Answer.objects.create(respondent=respondent, question=question, value=value)
    created.mechanisms.set(mechanisms)
    return created


def states(survey, count: int, region_slug: str, start: int = 1) -> list[Respondent]:
    region = Region.objects.get(slug=region_slug)
    return [
        Respondent.objects.create(
            survey=survey,
            code=f"{region_slug}-{number}",
            group=Group.STATES,
            fictional_name=f"Demo State {region_slug} {number}",
            region=region,
        )
        for number in range(start, start + count)
    ]


def test_survey_list_shows_published_surveys_only(client, survey):
    Survey.objects.create(slug="draft", title="Draft survey", year=2024)
    response = client.get("/surveys/")
    assert response.status_code == 200
    assert b"Test assessment" in response.content
    assert b"Draft survey" not in response.content
    assert client.get("/surveys/draft/").status_code == 404
    assert client.get("/surveys/draft/results.csv").status_code == 404


def test_results_page_shows_a_chart_and_the_same_numbers_in_a_table(client, survey):
    for respondent in states(survey, 4, "africa"):
        answer(respondent, "S1", "Capacity")
    response = client.get("/surveys/assessment/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg class="chart"' in html and 'role="img"' in html
    assert "<caption" in html and "S1: respondents by answer (4 answered)" in html
    assert '<th scope="row">Capacity</th><td class="num">4</td><td class="num">100</td>' in html
    assert "style=" not in html  # the CSP forbids inline styles
    assert "Demo State africa" not in html  # no respondent is ever named


def test_breakdown_cells_under_three_are_suppressed_and_say_so(client, survey):
    africa = states(survey, 4, "africa")
    europe = states(survey, 3, "europe")
    for respondent in africa[:3] + europe[:1]:
        answer(respondent, "S1", "Capacity")
    for respondent in africa[3:] + europe[1:]:
        answer(respondent, "S1", "Information")
    html = client.get("/surveys/assessment/").content.decode()
    # Overall counts are plain counts: shown.
    assert '<th scope="row">Capacity</th><td class="num">4</td>' in html
    # By region: Europe chose Capacity once and Information twice: both suppressed, and
    # Africa's Information (1) too.
    assert html.count('class="num suppressed"') >= 3
    assert "“&lt;3”: suppressed" in html


def test_mechanisms_named_link_to_their_profiles(client, survey, make_mechanism, publish_profiles):
    almaty = make_mechanism(slug="almaty-process", name="Almaty Process")
    hidden = make_mechanism(slug="draft-process", name="Draft Process", is_published=False)
    publish_profiles(almaty)
    for respondent in states(survey, 2, "asia-pacific"):
        answer(respondent, "S5", "almaty-process; draft-process", almaty, hidden)
    html = client.get("/surveys/assessment/").content.decode()
    assert '<a href="/mechanisms/almaty-process/">Almaty Process</a>' in html
    assert "Draft Process" not in html  # an unpublished mechanism is never named


def test_downloads_hold_the_aggregates_with_suppression_and_a_citation(client, survey):
    for respondent in states(survey, 3, "africa") + states(survey, 1, "europe"):
        answer(respondent, "S1", "Capacity")
    response = client.get("/surveys/assessment/results.xlsx")
    assert response.status_code == 200
    assert "iscm-survey-assessment-results.xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["Respondents", "Respondents by region"]
    rows = list(book["Distributions by region"].iter_rows(values_only=True))
    assert ("S1", "Capacity", "Europe", "<3") in rows
    about = [row[2] for row in book["About"].iter_rows(values_only=True)]
    assert any(text and text.startswith("ISCM Profiles, “Test assessment”") for text in about)

    text = client.get("/surveys/assessment/results.csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["sheet", "record", "field", "value"]
    assert table[2][:3] == ["About", "2", "Data as of"]
    assert ["Distributions", "2", "answer", "Capacity"] in table
    assert ["Distributions", "2", "respondents", "4"] in table
