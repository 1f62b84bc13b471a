"""The demo survey: the 2019 assessment's structure, with fictional answers.

What is real: the survey itself (IOM's 2019 assessment of ISCMs), its three questionnaires
(to ISCMs, to their Member States, to inter-governmental organisations), the response
counts its report documents (46 States, 22 ISCMs, 3 IGOs: stored as each questionnaire's
*reported* responses, never as answers) and the report, cited by its published title.

What is not: the questions are illustrative (a handful per Summary of Findings topic,
written for this demo), and every answer comes from a *fictional* respondent ("Demo State
01", "Demo ISCM 01", "Demo IGO 01"). A fictional respondent is a database row that is no
real State, mechanism or organisation (`Respondent.fictional_name`; a constraint forbids
it to be linked to one as well), so an invented answer is never attributed to a real one,
and every page that counts them says they are fictional. Their answers do name real
mechanisms: two of them (one State, one IGO) refer to the Almaty Process, so that its
profile shows, computed from answers, what the seed states ("two referred to the Almaty
Process").

Loading is idempotent: what exists is left as it is; only missing rows are created.
"""

from dataclasses import dataclass

from django.utils import timezone

from profiles.models import Mechanism, Region, Topic

from . import services
from .models import Answer, Group, Question, Questionnaire, Respondent, Survey

SURVEY = {
    "slug": "iscm-assessment-2019",
    "title": "2019 assessment of inter-State consultation mechanisms on migration",
    "year": 2019,
    "summary": "Carried out by IOM among ISCMs, their Member States and relevant "
    "inter-governmental organizations, the survey assessed ISCMs' continued relevance and "
    "contribution to migration governance at all levels, and the synergies among ISCMs and "
    "with other actors. Demo data: the questions shown are illustrative and every answer is "
    "fictional; the response counts are those the report documents.",
    "report_title": "Advancing a Common Understanding of Migration Governance Across Regions",
    "report_publisher": "International Organization for Migration (IOM)",
    "report_year": 2019,
    "report_isbn": "978-92-9068-826-6",
    "report_url": "https://publications.iom.int/books/"
    "advancing-common-understanding-migration-governance-across-regions",
}
QUESTIONNAIRES = [
    (Group.ISCMS, "Questionnaire for ISCMs", 22),
    (Group.STATES, "Questionnaire for Member States", 46),
    (Group.ORGANISATIONS, "Questionnaire for inter-governmental organizations", 3),
]
THEMES = "Labour migration\nIrregular migration\nMigration and development\nBorder management\n"
THEMES += "Trafficking in persons\nMigrants' rights and protection"
T = Question.Type
# group → (code, topic key or "", type, text, choices one per line)
QUESTIONS = {
    Group.STATES: [
        (
            "S1",
            "evolution",
            T.MULTIPLE,
            "Which themes have the ISCMs you take part in focused on most in recent years?",
            THEMES,
        ),
        (
            "S2",
            "contribution",
            T.SINGLE,
            "How much has taking part in ISCMs contributed to your country's migration policy?",
            "Significantly\nSomewhat\nLittle\nNot at all",
        ),
        (
            "S3",
            "contribution",
            T.MECHANISMS,
            "Which ISCMs have contributed most to your country's migration governance?",
            "",
        ),
        (
            "S4",
            "structures",
            T.YES_NO,
            "Does your government have a national focal point for the ISCMs it takes part in?",
            "",
        ),
        (
            "S5",
            "partnerships",
            T.MULTIPLE,
            "With which partners does your government cooperate through ISCMs?",
            "Other States\nRegional organizations\nUN agencies\nCivil society\nPrivate sector",
        ),
        (
            "S6",
            "added-value",
            T.SINGLE,
            "What is the main added value of ISCM membership for your country?",
            "Information exchange\nCapacity building\nRegional cooperation\nPolicy development",
        ),
        ("S7", "added-value", T.NUMBER, "How many ISCMs does your country take part in?", ""),
        ("S8", "", T.TEXT, "Any other comments on ISCMs?", ""),
    ],
    Group.ISCMS: [
        ("I1", "evolution", T.MULTIPLE, "Which themes does the ISCM focus on?", THEMES),
        (
            "I2",
            "contribution",
            T.SINGLE,
            "At which level does the ISCM contribute most to migration governance?",
            "National\nRegional\nInterregional\nGlobal",
        ),
        (
            "I3",
            "structures",
            T.YES_NO,
            "Does the ISCM have a permanent secretariat or support unit?",
            "",
        ),
        (
            "I4",
            "structures",
            T.SINGLE,
            "How often do the ISCM's ministerial meetings take place?",
            "Every year\nEvery two years\nLess often\nNo ministerial meetings",
        ),
        (
            "I5",
            "partnerships",
            T.MECHANISMS,
            "Which other ISCMs does the ISCM cooperate or share experience with?",
            "",
        ),
        (
            "I6",
            "added-value",
            T.NUMBER,
            "How many Member States took part in the ISCM's last meeting?",
            "",
        ),
    ],
    Group.ORGANISATIONS: [
        (
            "O1",
            "partnerships",
            T.MECHANISMS,
            "Which ISCMs does your organization take part in or support?",
            "",
        ),
        (
            "O2",
            "contribution",
            T.SINGLE,
            "How would you rate ISCMs' contribution to migration governance?",
            "High\nModerate\nLow",
        ),
        (
            "O3",
            "added-value",
            T.MULTIPLE,
            "What does your organization gain from engaging with ISCMs?",
            "Advocacy platform\nCapacity building of officials\nRegional cooperation\n"
            "Access to policy makers",
        ),
    ],
}
# Fictional respondents: group → (label prefix, regions in turn). Two Demo States in the
# Americas keep that region's cells below 3, so the page shows the suppression at work.
RESPONDENTS = {
    Group.STATES: (
        "Demo State",
        ["africa"] * 4 + ["asia-pacific"] * 3 + ["europe"] * 3 + ["americas"] * 2,
    ),
    Group.ISCMS: (
        "Demo ISCM",
        ["africa", "africa", "asia-pacific", "europe", "americas", "global"],
    ),
    Group.ORGANISATIONS: ("Demo IGO", ["global", "global", "europe"]),
}
# The mechanisms the fictional respondents name, in turn; only these two name the Almaty
# Process (the seed: "two referred to the Almaty Process in their questionnaire").
ALMATY = "almaty-process"
ALMATY_NAMED_BY = {"demo-state-03", "demo-igo-01"}
NAMED = [
    "budapest-process",
    "prague-process",
    "rabat-process",
    "bali-process",
    "colombo-process",
    "midsa",
    "midwa",
    "igad-rcp",
    "gfmd",
    "regional-conference-on-migration",
]


@dataclass
class DemoReport:
    surveys: int
    respondents: int
    answers: int


def _pick(choices: list[str], seed: int, count: int = 1) -> list[str]:
    """A deterministic choice (the demo must load the same every time)."""
    return [choices[(seed * 7 + index * 3) % len(choices)] for index in range(count)]


def _answer(question: Question, code: str, seed: int) -> tuple[str, list[str]]:
    """A fictional answer of respondent `code` (numbered `seed`) to `question`."""
    choices = question.choice_list
    if question.type == T.SINGLE:
        return _pick(choices, seed)[0], []
    if question.type == T.MULTIPLE:
        picked = set(_pick(choices, seed, 1 + seed % 3))
        return "; ".join(c for c in choices if c in picked), []
    if question.type == T.YES_NO:
        return ("no" if seed % 4 == 3 else "yes"), []
    if question.type == T.NUMBER:
        return str(2 + seed % 5 if question.code != "I6" else 8 + seed * 3 % 20), []
    if question.type == T.TEXT:
        return f"A fictional comment from a demo respondent ({code}).", []
    named = set(_pick(NAMED, seed, 2))
    if code in ALMATY_NAMED_BY:
        named.add(ALMATY)
    return "; ".join(sorted(named)), sorted(named)


def load() -> DemoReport:
    topics = {t.key: t for t in Topic.objects.all()}
    regions = {r.slug: r for r in Region.objects.all()}
    mechanisms = dict(Mechanism.objects.values_list("slug", "pk"))
    with services.writing(via=services.Via.DEMO, source="surveys demo"):
        survey = Survey.objects.filter(slug=SURVEY["slug"]).first()
        if survey is None:
            survey = Survey.objects.create(**SURVEY, is_published=True, published_at=timezone.now())
        have = {q.group: q for q in survey.questionnaires.all()}
        for group, title, reported in QUESTIONNAIRES:
            if group not in have:
                have[group] = Questionnaire.objects.create(
                    survey=survey, group=group, title=title, reported_responses=reported
                )
        questions = {
            (q.questionnaire.group, q.code.lower()): q
            for q in Question.objects.filter(questionnaire__survey=survey).select_related(
                "questionnaire"
            )
        }
        new = []
        for group, rows in QUESTIONS.items():
            for order, (code, topic, kind, text, choices) in enumerate(rows, start=1):
                if (group, code.lower()) not in questions:
                    question = Question(
                        questionnaire=have[group],
                        code=code,
                        text=text,
                        type=kind,
                        choices=choices,
                        topic=topics.get(topic),
                        order=order,
                    )
                    new.append(question)
                    questions[(group, code.lower())] = question
        services.create_rows(Question, new)

        respondents = {r.code.lower(): r for r in survey.respondents.all()}
        new = []
        for group, (label, region_keys) in RESPONDENTS.items():
            for number, region in enumerate(region_keys, start=1):
                name = f"{label} {number:02d}"
                code = name.lower().replace(" ", "-")
                if code not in respondents:
                    respondent = Respondent(
                        survey=survey,
                        code=code,
                        group=group,
                        fictional_name=name,
                        region=regions.get(region),
                    )
                    new.append(respondent)
                    respondents[code] = respondent
        services.create_rows(Respondent, new)

        answered = set(
            Answer.objects.filter(respondent__survey=survey).values_list(
                "respondent_id", "question_id"
            )
        )
        new, links = [], []
        for seed, respondent in enumerate(sorted(respondents.values(), key=lambda r: r.code)):
            if not respondent.is_fictional:
                continue  # never invent an answer for a real respondent
            for (group, _code), question in sorted(questions.items()):
                if group != respondent.group or (respondent.pk, question.pk) in answered:
                    continue
                value, named = _answer(question, respondent.code, seed + 1)
                if question.type == T.MECHANISMS:
                    named = [slug for slug in named if slug in mechanisms]
                    value = "; ".join(named)
                    if not named:
                        continue  # the profiles demo is not loaded
                answer = Answer(respondent=respondent, question=question, value=value)
                new.append(answer)
                links.append((answer, [mechanisms[slug] for slug in named]))
        services.create_rows(Answer, new)
        through = Answer.mechanisms.through
        services.create_rows(
            through,
            [through(answer_id=a.pk, mechanism_id=pk) for a, pks in links for pk in pks],
        )
    return DemoReport(
        surveys=Survey.objects.count(),
        respondents=Respondent.objects.count(),
        answers=Answer.objects.count(),
    )
