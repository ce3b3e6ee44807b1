"""What a row says does not depend on how it is written.

Each tuned evaluation row (sets the engine was tuned on; never the untuned B, AF or AG) that reads right
is rewritten in ways that keep its meaning — in lower case, with a phone's apostrophe, with a
courtesy, an allergy list, a diagnosis or a remark about surgery after it, with an ordinary
medicine before it — and must read the same. These rewrites found the causes fixed in rules
2026.11.40 to 2026.11.46 (one had cleared 1,610 contraindications) and 2026.11.48 to 2026.11.50 (a habit
given up after the opioid cleared 1,638, an illness with its year 1,644, a second line 238) and 2026.11.52
(a surgery with its year before the row cleared 104; "Started PT 2 weeks ago." after it raised 227 false
alarms) and 2026.11.53 ("My last period was 2 weeks ago." after it cleared 1,113, "Gave birth 6 weeks ago." 1,117,
"Last drink 2 years ago." 1,092, "My dad died last year." 1,109, "Married 20 years, 2 kids." before it 74;
"BP 120/80 yesterday." after it raised 254 false alarms) and 2026.11.54 ("Have had migraines since 2010."
after it cleared 1,117, "Not breastfeeding, baby weaned in 2023." 1,151, "Daughter helps me with my meds." 105) and
2026.11.57 ("Never used street drugs." after it cleared 2,566, "Sober since 2015." 1,452, "Nothing else." 5; "I smoke
weed sometimes." raised 162 false alarms, "I drink socially." 67) and 2026.11.58 ("Never had a reaction to anything."
after it cleared 2,240, "Allergic to sulfa." 2,084, "I do not take any supplements." 1,314; "Using a heating pad too."
raised 356 false alarms, "Current meds as of 11/20: " before it 314) and 2026.11.59 ("Daily: " before it raised 385 false alarms,
"Pain started after a car accident in 2018." after it 315, "Lost 20 lbs this year." 293; "Menopause since 2020."
cleared 128 contraindications) and 2026.11.60 ("I know LDN and opioids do not mix." after it raised 3,276 false
alarms, "I understand I cannot take opioids with LDN." 3,214, "Is this a problem?" 18); this is their regression guard. (2026.11.62's "New doctor since June.", which had
cleared 99 and raised 29 and still changes 12, is pinned in test_screening.py. 2026.11.64 adds "(as of today)", which
had raised 285 false alarms, 2026.11.67 "Rash on my arm last week." (2,078 cleared) and "Allergy season is bad." (2,082), 2026.11.68 "My husband has back
pain too." (102 cleared, 14 raised); 2026.11.65's "Bad reaction to anesthesia once.", which had cleared 2,173 and still raises 1,
is pinned there too.) (Sobriety and
street-drug sentences are pinned in test_screening.py instead: after a heroin row they change its meaning.)
A sample of every eighth row keeps it quick (80 rewrites; every fifth cost about 86 s of the suite).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from patients.screening import is_opioid, screen_medication

EVAL_DIR = Path(__file__).resolve().parents[2] / "bench" / "screening_eval"
# Each set and the day its relative dates are read from.
TUNED = {
    "blind2026c_": date(2026, 11, 27), "blind2026d_": date(2026, 11, 27), "blind2026e_": date(2026, 11, 27),
    "blind2026f_": date(2026, 11, 27), "blind2026g_": date(2026, 11, 27), "blind2026i_": date(2026, 11, 28),
    "blind2026j_": date(2026, 11, 28), "blind2026k_": date(2026, 11, 28), "blind2026l_": date(2026, 11, 28),
    "blind2026m_": date(2026, 11, 28), "blind2026n_": date(2026, 11, 28), "blind2026p_": date(2026, 11, 28),
    "blind2026r_": date(2026, 11, 28), "blind2026s_": date(2026, 11, 28), "blind2026t_": date(2026, 11, 28),
    "blind2026v_": date(2026, 11, 28),
}

REWRITES = {
    "lower case": lambda e: e.lower(),
    "a phone's apostrophe": lambda e: e.replace("'", "\u2019"),
    "thanks": lambda e: e.rstrip() + " thanks!",
    "allergies after": lambda e: e.rstrip(".") + ". Allergies: penicillin (rash)",
    "a diagnosis after": lambda e: e.rstrip(".") + ". Diagnosed with fibromyalgia in 2015.",
    "not pregnant after": lambda e: e.rstrip(".") + ". Not pregnant.",
    "an ordinary medicine before": lambda e: "Metformin 500 mg twice a day, " + e,
    "a vitamin after": lambda e: e.rstrip(".") + ", vitamin D3 2000 IU daily",
    "a habit given up after": lambda e: e.rstrip(".") + ". I quit smoking in 2010.",
    "a vitamin on the next line": lambda e: e.rstrip() + "\nvitamin D 2000 IU",
    "a remark after": lambda e: e.rstrip(".") + ". Blood pressure is normal.",
    "an emoji after": lambda e: e.rstrip() + " \U0001f642",
    "an illness with its year after": lambda e: e.rstrip(".") + ". Had covid in 2022.",
    "a check-up with its month after": lambda e: e.rstrip(".") + ". Last physical was in March.",
    "a habit of another kind after": lambda e: e.rstrip(".") + ". I exercise daily.",
    "a visit with its day after": lambda e: e.rstrip(".") + ". Saw my doctor yesterday.",
    "a diagnosis with its year before": lambda e: "Diagnosed with fibro in 2019. " + e,
    "a surgery with its year before": lambda e: "Knee surgery in 2019. " + e,
    "physical therapy after": lambda e: e.rstrip(".") + ". Started PT 2 weeks ago.",
    "a closing after": lambda e: e.rstrip(".") + ". That's all.",
    "a job after": lambda e: e.rstrip(".") + ". I work nights.",
    "children after": lambda e: e.rstrip(".") + ". I have 3 kids.",
    "a last period after": lambda e: e.rstrip(".") + ". My last period was 2 weeks ago.",
    "a family before": lambda e: "Married 20 years, 2 kids. " + e,
    "a birth after": lambda e: e.rstrip(".") + ". Gave birth 6 weeks ago.",
    "a last drink after": lambda e: e.rstrip(".") + ". Last drink 2 years ago.",
    "a death in the family after": lambda e: e.rstrip(".") + ". My dad died last year.",
    "a blood pressure reading after": lambda e: e.rstrip(".") + ". BP 120/80 yesterday.",
    "an illness since a year after": lambda e: e.rstrip(".") + ". Have had migraines since 2010.",
    "a baby weaned after": lambda e: e.rstrip(".") + ". Not breastfeeding, baby weaned in 2023.",
    "a helper after": lambda e: e.rstrip(".") + ". Daughter helps me with my meds.",
    "nothing else after": lambda e: e.rstrip(".") + ". Nothing else.",
    "tobacco and alcohol after": lambda e: e.rstrip(".") + ". Non-smoker, no alcohol.",
    "the pharmacy after": lambda e: e.rstrip(".") + ". Pharmacy is Walgreens on Main St.",
    "drinking after": lambda e: e.rstrip(".") + ". I drink socially.",
    "no illegal drugs after": lambda e: e.rstrip(".") + ". No illegal drugs.",
    "another allergy after": lambda e: e.rstrip(".") + ". Allergic to latex and shellfish.",
    "no supplements after": lambda e: e.rstrip(".") + ". I do not take any supplements.",
    "no reactions after": lambda e: e.rstrip(".") + ". Never had a reaction to anything.",
    "no side effects after": lambda e: e.rstrip(".") + ". No side effects.",
    "the list's schedule after": lambda e: e.rstrip(".") + ". I take everything in the morning.",
    "a list label with its date before": lambda e: "Current meds as of 11/20: " + e,
    "a schedule heading before": lambda e: "Daily: " + e,
    "a weight change after": lambda e: e.rstrip(".") + ". Lost 20 lbs this year.",
    "when the pain began after": lambda e: e.rstrip(".") + ". Pain started after a car accident in 2018.",
    "a condition since a year after": lambda e: e.rstrip(".") + ". Menopause since 2020.",
    "chronic pain after": lambda e: e.rstrip(".") + ". I have had chronic pain for 10 years.",
    "what the patient knows of LDN after": lambda e: e.rstrip(".") + ". I know LDN and opioids do not mix.",
    "a question after": lambda e: e.rstrip(".") + ". Doctor said it is ok.",
    "a hedge after": lambda e: e.rstrip(".") + ". Not sure if this matters.",
    "as of today after": lambda e: e.rstrip(".") + ". (as of today)",
    "a symptom of its own after": lambda e: e.rstrip(".") + ". Rash on my arm last week.",
    "hay fever after": lambda e: e.rstrip(".") + ". Allergy season is bad.",
    "another person's trouble after": lambda e: e.rstrip(".") + ". My husband has back pain too.",
    # 2026.11.71 (what 2026.11.68 did over all 8,680 tuned rows read right):
    "a willingness after": lambda e: e.rstrip(".") + ". Happy to taper if needed.",  # 28 false alarms
    "allergy shots after": lambda e: e.rstrip(".") + ". I get allergy shots.",  # 30
    "trouble since a year after": lambda e: e.rstrip(".") + ". Trouble sleeping since 2020.",  # 12 cleared
    "where prescriptions are filled after": lambda e: e.rstrip(".") + ". I use Walgreens.",  # 4
    "another person's job after": lambda e: e.rstrip(".") + ". My wife is an RN.",  # 120 cleared
    "another person's job before": lambda e: "My mom was a nurse. " + e,  # 339 cleared
    "insurance after": lambda e: e.rstrip(".") + ". Until I get my new insurance card, I pay cash.",  # 45
    # 2026.11.72 (what 2026.11.71 did):
    "refills after": lambda e: e.rstrip(".") + ". Need refills soon.",  # 266 false alarms
    "the list's schedule with 'them' after": lambda e: e.rstrip(".") + ". I take them all with breakfast.",  # 99
    "what a pharmacist said after": lambda e: e.rstrip(".") + ". My pharmacist said it was fine.",  # 6 cleared
    "a pet after": lambda e: e.rstrip(".") + ". We have a dog.",  # 2 cleared
    "an age after": lambda e: e.rstrip(".") + ". I am 45.",  # 5
    # 2026.11.73 (what 2026.11.72 did):
    "another person described after": lambda e: e.rstrip(".") + ". Husband is supportive.",  # 142 cleared
    "another person's illness after": lambda e: e.rstrip(".") + ". Mom had breast cancer.",  # 14 cleared
    "another person's drinking after": lambda e: e.rstrip(".") + ". Dad was an alcoholic.",  # 6 cleared
    "habits denied after": lambda e: e.rstrip(".") + ". Don't drink or smoke.",  # 7 cleared, 8 raised
    "a lab result after": lambda e: e.rstrip(".") + ". Last A1c 6.1.",  # 6 cleared, 5 raised
    "a salutation before": lambda e: "To whom it may concern: " + e,  # 14 raised
    # 2026.11.74 (what 2026.11.73 did):
    "who typed it after": lambda e: e.rstrip(".") + ". My daughter typed this for me.",  # 115 cleared
    "another person's own medicines after": lambda e: e.rstrip(".") + ". My husband takes his own meds.",  # 115 cleared, 266 raised
    "the writer's job after": lambda e: e.rstrip(".") + ". I'm a nurse.",  # 6 cleared
    # 2026.11.76:
    "the last of a procedure after": lambda e: e.rstrip(".") + ". Last colonoscopy 2022.",  # 1,861 cleared on 2026.11.75 (none on .68)
    "no visits this year after": lambda e: e.rstrip(".") + ". No ER visits this year.",  # 227 raised on .68
    "never in rehab after": lambda e: e.rstrip(".") + ". Never been to rehab.",  # 8 cleared
    "another person helping after": lambda e: e.rstrip(".") + ". My sister is a nurse and checks my meds.",  # 115 cleared
    # 2026.11.78 (what 2026.11.77 did):
    "a trouble since a decade of life after": lambda e: e.rstrip(".") + ". Bad back since my 20s.",  # 33 raised
    "nothing else for pain after": lambda e: e.rstrip(".") + ". Nothing else for pain.",  # 10 cleared
    "another medicine's shot done after": lambda e: e.rstrip(".") + ". Flu shot done.",  # 19 cleared on 2026.11.78
    # 2026.11.81:
    "an operation with its year after": lambda e: e.rstrip(".") + ". I had a hysterectomy in 2015.",  # 1,960 cleared on .80
    "a c-section with its year after": lambda e: e.rstrip(".") + ". Had a c-section in 2020.",  # 1,959 cleared on .81 before the fix
    "labs on a schedule after": lambda e: e.rstrip(".") + ". I get my labs done every 3 months.",  # 21 cleared, 5 raised on .80
    # 2026.11.83:
    "nothing else taken after": lambda e: e.rstrip(".") + ". Not taking anything else.",  # 583 cleared, 233 raised on .82
    "a hope for the whole list after": lambda e: e.rstrip(".") + ". My doctor wants me off everything eventually.",  # 271 raised
    "a cold with its date after": lambda e: e.rstrip(".") + ". Had a cold last week.",  # 238 raised
    "another medicine's last dose after": lambda e: e.rstrip(".") + ". Last dose of antibiotics was Monday.",  # 22 cleared, 31 raised
    # 2026.11.85:
    "hoping it helps after": lambda e: e.rstrip(".") + ". Hope that helps!",  # 266 raised on .84
    "an offer to say more after": lambda e: e.rstrip(".") + ". Ask me if you need more info.",  # 271 raised
    "the spouse handling the pills after": lambda e: e.rstrip(".") + ". My wife handles my pills.",  # 127 cleared
    "unsure of the dates after": lambda e: e.rstrip(".") + ". I'm not sure about dates.",  # 9 cleared, 3 raised
    # 2026.11.86:
    "the writer a caregiver after": lambda e: e.rstrip(".") + ". I'm a caregiver for my mom.",  # 1,136 cleared on .85
    "a fall with its season after": lambda e: e.rstrip(".") + ". I had a bad fall last winter.",  # 1,954 cleared
    "a fall off a ladder after": lambda e: e.rstrip(".") + ". Fell off a ladder in 2020.",  # 1,966 cleared
    # 2026.11.90 (counts on every tuned row, sets AD and AE included):
    "a remark going on after a comma after": lambda e: e.rstrip(".") + ". Sleep is poor, maybe 5 hours.",  # 26 raised on .89
    "a pastime given up after": lambda e: e.rstrip(".") + ". I used to run marathons.",  # 18 cleared, 2 raised
    "nothing else taken daily after": lambda e: e.rstrip(".") + ", nothing else daily",  # 404 raised
    "the writer's age and sex before": lambda e: "Patient is 58 F. " + e,  # 1 cleared, 25 raised
    # 2026.11.91:
    "the spouse taking care of the pills after": lambda e: e.rstrip(".") + ". My husband takes care of my meds.",  # 148 cleared, 300 raised
    "a lab result with its month after": lambda e: e.rstrip(".") + ". My A1c was 6.1 in October.",  # 2,025 cleared
    "a trouble the writer gets after": lambda e: e.rstrip(".") + ". I get headaches sometimes.",  # 32 raised
    # 2026.11.93:
    "no problems after a comma": lambda e: e.rstrip(".") + ", no problems",  # 9 cleared, 13 raised on .92
    # 2026.11.95:
    "help hoped for after": lambda e: e.rstrip(".") + ". Need help with sleep.",  # 300 raised on .94
    # 2026.11.96:
    "a wish of the writer's after": lambda e: e.rstrip(".") + ". Need to lose 20 lbs.",  # 301 raised on .95
    "an allergy to an animal after": lambda e: e.rstrip(".") + ". I have a cat allergy.",  # 2,924 cleared
    "a device used for a while after": lambda e: e.rstrip(".") + ". Used a walker for a month after my fall.",  # 112 cleared, 4 raised
    # 2026.11.97:
    "a thing the writer needs after": lambda e: e.rstrip(".") + ". I need new glasses.",  # 301 raised on .96
    "a test with its month after": lambda e: e.rstrip(".") + ". I had a biopsy in July, benign.",  # 2,030 cleared
}


def _rows() -> list[tuple[str, bool, date]]:
    rows = []
    for prefix, day in TUNED.items():
        for name, must_flag in ((f"{prefix}opioids.txt", True), (f"{prefix}non_opioids.txt", False)):
            lines = [line.strip() for line in (EVAL_DIR / name).read_text(encoding="utf-8").splitlines()]
            entries = [line for line in lines if line and not line.startswith("#")]
            rows += [(entry, must_flag, day) for entry in entries[::8]]
    return rows


ROWS = _rows()


@cache
def _rows_read_right() -> list[tuple[str, bool, date]]:
    """The sampled rows the rules read right (a row they still get wrong is not this test's business);
    read once for all the rewrites."""
    return [(entry, must_flag, day) for entry, must_flag, day in ROWS if is_opioid(screen_medication(entry, today=day)) == must_flag]


@pytest.mark.parametrize("rewrite", list(REWRITES))
def test_a_rewrite_that_keeps_the_meaning_keeps_the_verdict(rewrite):
    change = REWRITES[rewrite]
    changed = []
    for entry, must_flag, day in _rows_read_right():
        if is_opioid(screen_medication(change(entry), today=day)) != must_flag:
            changed.append(change(entry))
    assert not changed, f"{len(changed)} rows changed verdict ({rewrite}), e.g. {changed[:3]}"
