"""Everyday phrasings, each tried with eight common opioid names (issue #11): a regression guard.

These were written by the project session at the eighth stop while reading the engine, to look for
general causes of misses and false alarms without spending an evaluation set; they are tuned, not an
evaluation. Each template says use now or within the interval (a contraindication for every name), or
no use (never one). Dates are read against Saturday 2026-11-28.
"""

from __future__ import annotations

from datetime import date

import pytest

from patients.screening import is_opioid, screen_medication

TODAY = date(2026, 11, 28)
NAMES = ["oxycodone", "Norco", "tramadol", "Percocet", "hydrocodone", "Dilaudid", "Vicodin", "codeine"]

USE = [
    '{n}',
    '{n} when I need it',
    'I use {n} maybe once a week',
    'took a {n} on Thanksgiving',
    'had {n} Wednesday night for my back',
    '{n} 5mg, last one 11/24',
    'last took {n} Monday',
    'my last {n} was 5 days ago',
    'off {n} since Tuesday',
    'been off {n} for a week',
    'quit {n} 4 days ago',
    'cutting down on {n}',
    'down to half a {n} a day',
    '{n} from my neighbor a few times this month',
    'still on {n} but want to stop',
    '{n} (rarely, maybe once a month)',
    'occasional {n}',
    '{n} for migraines',
    '{n} prn',
    '{n} - not taking it much anymore',
    'I have {n} for bad days',
    '{n} at bedtime',
    'finishing up my {n} from the dentist',
    "my husband's {n} when my back goes out",
    'used {n} over the weekend',
    '{n} this week after my fall',
    'the ER gave me {n} yesterday',
    "I took some of my mom's {n} last night",
    '{n}, trying to come off it',
    '{n}... and ibuprofen',
    'ibuprofen, {n}, vitamin d',
    '{n} 1-2 tabs q6h',
    'stopped {n} recently',
    'coming off {n}',
    'just finished my {n}',
    'weaned off {n} last week',
    "I think I'm done with {n}",
    '{n} i take it sometimes',
    'i dont take much just {n} here and there',
    '{n}?? for pain',
    '{n} 1 tab by mouth every 6 hrs as needed for pain',
    'pain: {n} (only on really bad days)',
    'back surgery in Sept, still on {n}',
    '{n} from my pain doctor, monthly refills',
    "{n} - I'm tapering, last dose this morning",
    'taking {n} for my knee until surgery in january',
    '{n} but I want to get off it',
    'on {n} for 8 years',
    'i was on {n}, stopped on Wednesday',
    'My pain management doc has me on {n}',
    '{n} 2x/day + gabapentin 300',
    '{n} - last filled 11/2, taking 1 at night',
    'I get {n} from a friend sometimes',
    'pm: {n}',
    '{n}, 10 mg, bid',
    '{n} for my back (I know, I know)',
    'honestly i still take {n} most days',
    '{n}?',
    '{n} after my dental work on Tuesday',
    'Rx {n} - using it',
    '{n} helps me sleep',
    'I ran out of {n} on Thursday',
    "haven't had {n} since Monday",
    '{n} - 3 days ago was my last',
    'took my last {n} on 11/24',
    '{n} and Tylenol alternating since the fall',
    'metformin 500, lisinopril 10, {n} 5 prn',
    '{n}. Also vitamin D and fish oil.',
    'No allergies. Meds: {n}',
    'Not on any blood thinners. {n} daily',
    'no longer on gabapentin; {n} still',
    "I don't take tylenol, just {n}",
    'stopped ibuprofen 2019, {n} now',
    "{n} (my husband's, I take 1 when my back is bad)",
    "mom's {n} - i've been taking a few",
    '{n} last night for a migraine',
    '{n} since Thanksgiving',
    '{n} since the accident in October',
    "never thought I'd need {n} but here we are",
    'not proud but I use {n}',
    '{n} on weekends',
    '{n} 1/2 tab',
    '{n}, weaning, down to 1/day',
    '1 {n} every morning',
    '{n} - Dr. Smith',
    '{n} (pain clinic) - contract',
    '{n} 3x week',
    "I'm on {n}, no other meds",
    'Meds: sertraline; {n} prn; melatonin',
    '{n} till my surgery next month',
    '{n} as directed',
    'stopped {n} on the 22nd',
    'quit {n} Nov 21',
    'last {n} 11/23/26',
    'done with {n} as of Monday',
    '{n} through last Sunday',
    '{n} until Thanksgiving',
    'stopped taking {n} a week ago',
    'off {n} 6 days',
    "{n} - d/c'd 11/25",
    'took {n} for 5 days, finished Friday',
    '3 days without {n} now',
    'on {n} 2 weeks ago and still',
    'Pt takes {n} daily',
    'patient on {n} 10mg',
    'Mom (the patient) takes {n} at night',
    "I'm filling this out for my dad, he takes {n} for his back",
    'for my husband (he is the patient): {n} twice a day',
    'my wife is the patient - she uses {n} prn',
    'Dad is the patient. He has {n} 3x a day',
    'the patient (my mother) is on {n}',
    "he takes {n} - I'm his daughter typing this",
    '{n} (mom takes it) - mom is the patient',
    'me and my husband both take {n}',
    'my husband and I share {n}',
    "{n} - same as my husband's, I take it too",
    "I take my husband's {n} sometimes",
    'no side effects from {n}',
    '{n} makes me itchy but it works',
    '{n} - some constipation',
    'I get nauseous on {n} but still take it',
    '{n} upsets my stomach, taking with food',
    "{n} doesn't help much anymore",
    "{n} isn't strong enough",
    '{n} works better than ibuprofen',
    'I tolerate {n} fine',
    '{n} gives me headaches, taking it anyway',
    'sensitive to {n} so I take half',
    "my body doesn't like {n}, I take 1/2 tab",
    'last {n} a wk ago',
    'took {n} a couple days ago',
    'had a {n} a few days back',
    '{n} the other day',
    '{n} earlier this week',
    '{n} last weekend',
    '{n} over the holiday',
    'took a {n} on black friday',
    '{n} before thanksgiving',
    'stopped {n} 5 days back',
    'stopped {n} this past Monday',
    '{n} 3 nights ago',
    'last {n} Wed',
    'last {n}: 11/26',
    'last {n} - thurs',
    'quit {n} on 11-23',
    '{n} x3 days last week',
    '{n} on 26th',
    '{n} 2 days ago, nothing since',
    'Medication: {n} | Dose: 5 mg | Frequency: PRN | Last taken: 11/25/2026',
    '{n} 5 mg tablet; Sig: 1 tab PO q6h PRN pain; Status: Active',
    '{n} -- active -- prescribed by Dr. Lee',
    'ACTIVE: {n}',
    '{n} (Start: 03/2025, End: ongoing)',
    '{n} started 10/1/2026',
    "{n} Rx'd 11/20, taking as directed",
    'Current meds: lisinopril, {n}, omeprazole',
    '{n} [taking]',
    '{n} - yes',
    '{n} ✔',
    '{n} (current)',
    'relapsed on {n} last weekend',
    'slipped with {n} Thursday',
    'clean 3 days off {n}',
    'using {n} again',
    'in recovery but still using {n} sometimes',
    'detoxing from {n} right now',
    "I've been kicking {n} since Monday",
    'got sick coming off {n} this week',
    'used {n} 4 days ago',
    'have a few {n} left, take one when my back flares',
    '{n} leftover from surgery, took one Wednesday',
    '5 {n} left, using them up',
    '{n}: 1 left in the bottle, took the others this week',
    '{n} (refilled 11/15, 30 tabs)',
    'got 10 {n} from the ER on 11/22',
    '{n} filled 11/20 qty 20',
    'ER gave me {n} Monday',
]

NO_USE = [
    'allergic to {n}',
    '{n} allergy (hives)',
    'never took {n}',
    "I've never been on {n}",
    'no {n}',
    'my husband takes {n}, not me',
    'my dog is on {n}',
    'stopped {n} in 2019',
    'off {n} since 2015',
    '{n} years ago, nothing now',
    'quit {n} back in March',
    'last {n} was in August',
    "{n} made me sick once, haven't had it since 2020",
    'doctor offered {n} but I said no',
    'I refused {n} after surgery',
    'have an old bottle of {n} I never opened',
    "I don't take {n}",
    'not on {n} anymore, stopped 2 years ago',
    '{n}: none',
    "is {n} ok with LDN? I don't take it",
    "I'm not on {n} or anything like it",
    'denies {n}',
    'Gabapentin (not {n})',
    '{n} allergy - rash',
    'ALLERGIES: {n} (vomiting)',
    "I can't take {n}, it makes me itch",
    'never been prescribed {n}',
    '{n} - never',
    'my wife is on {n}',
    'husband: {n} 5 mg; me: nothing',
    'my son takes {n} for his back',
    "my mother's {n} is in the cabinet, I don't use it",
    '{n} 2015-2017, none since',
    'off {n} since 2018',
    'I was on {n} years ago (2012)',
    'stopped {n} in March 2024',
    'last {n} was summer 2023',
    '{n} after surgery in 2020, only a few days',
    'had {n} for a broken arm as a kid',
    '{n}: stopped 8/2025',
    'quit {n} on 9/15/2026',
    'the doctor wanted to give me {n} but I said no',
    'declined {n} at discharge',
    'prescribed {n} on 11/20 but never filled it',
    'have {n} at home from 2021, never opened',
    'planning to start {n} after surgery in January',
    'my dentist may prescribe {n} next week',
    '{n} free for 3 years',
    'clean from {n} since 2019',
    'NO {n}',
    'no opioids (no {n}, nothing)',
    'does not take {n}',
    "I don't use {n}",
    "what about {n}? I'm not taking it",
    "I'm a nurse and give {n} at work",
    "we sell {n} at the store? no, I don't take it",
    'my dog gets {n} from the vet',
    'Narcan in case my brother overdoses on {n}',
    "my husband's {n} - I don't take it",
    'wife uses {n}, I use nothing',
    '{n} is for my dad, I just pick it up',
    'I pick up {n} for my neighbor',
    "I'm a caregiver, I give my client {n}",
    "{n} prescribed 11/20, haven't picked it up",
    'got {n} after my c-section in 2021',
    'last time I took {n} was 2017',
    '{n} - stopped 2 years ago',
    '{n}: quit 18 months ago',
    'used {n} for 3 days after surgery in May 2025',
    '{n} (2019, knee surgery)',
    'took {n} once in 2010',
    'on {n} 2016-2018',
    '{n} until summer 2022',
    'no {n} since 2020',
    'clean off {n} since Jan 2023',
    '{n} = never',
    'never {n}',
    'I do not take {n}',
    "no, I don't take {n}",
    '{n}? no',
    'nope, no {n}',
    "I've never used {n} and never will",
    '{n} gives me hives (allergy)',
    'allergic: {n}, penicillin',
    'Allergy list: sulfa, {n}',
    "I'm scared of {n}, never taken",
    "I won't take {n}",
    'surgeon plans {n} after my surgery on Dec 15',
    'will start {n} after my hip surgery',
    "thinking about trying {n}, haven't yet",
    'unopened box of {n} in the closet from 2019',
    'threw out my old {n} last year',
    'stopped {n} on October 2nd',
    'quit {n} Oct 12',
    'last {n} 9/23/26',
    'done with {n} as of Labor Day',
    '{n} through August',
    '{n} until Halloween',
    'stopped taking {n} a month ago',
    'off {n} 6 weeks',
    "{n} - d/c'd 10/15",
    'took {n} for 5 days in September',
    '3 months without {n} now',
    "I've been {n}-free for 4 months",
    '{n} over a year ago',
    '2 months off {n}',
    'quit {n} back in the summer',
    "my dad takes {n}; I'm the patient and take only lisinopril",
    "I'm the patient. My husband is on {n}",
    'patient takes no opioids; spouse on {n}',
    'husband {n} 10 mg for his spine',
    'kids dad is on {n}',
    "{n} (husband's, not mine)",
    '{n} - wife',
    "roommate's {n} in the cabinet",
    "my son's {n} after his wisdom teeth",
    'I live with my mom who takes {n}',
    '{n} - itching (allergy)',
    'intolerant to {n}',
    '{n} intolerance',
    '{n} causes vomiting - avoid',
    "can't tolerate {n}",
    'bad reaction to {n} in 2015',
    '{n} - anaphylaxis',
    'reaction: {n} (rash)',
    'sensitivity to {n}',
    '{n} made me throw up so I stopped in 2019',
    'last {n} 3 months ago',
    'last {n} 6wks ago',
    'took {n} in the spring',
    '{n} over the summer, none since',
    'last {n} Labor Day weekend',
    '{n} before Halloween, none since',
    'stopped {n} in the fall of 2024',
    'quit {n} 2 yrs back',
    '{n} last christmas',
    '{n} on July 4th, nothing since',
    'last {n}: 8/14',
    '{n} 5 years ago',
    'Medication: {n} | Status: Discontinued | Last taken: 08/01/2026',
    '{n} 5 mg tablet; Status: Inactive; Stopped 01/2024',
    '{n} (Start: 03/2019, End: 05/2019)',
    'INACTIVE: {n} (2018)',
    '{n} [not taking]',
    '{n} - no',
    'Past meds: {n} (2017)',
    'Historical: {n} 2015-2016',
    '{n} -- discontinued 2022',
    'clean from {n} since 2018',
    '5 years clean off {n}',
    'history of {n} use, in remission since 2015',
    'former {n} addict, 10 yrs sober',
    "haven't touched {n} since 2019",
    'recovered from {n} addiction (2012)',
    '{n} free since March 2021',
    'no {n} for 3 years now',
    'quit {n} in 2020 and never looked back',
    'NA member, clean date 4/2/2019 from {n}',
    '30 tabs of {n} left over from 2019, never touched them',
    "have old {n} from 2018 in the cabinet, haven't used any",
    '{n} in the drawer from my surgery 3 years ago, not taking it',
    'disposed of my {n} at the pharmacy take-back, none taken since 2020',
    '{n} filled 11/20 qty 20 - returned to the pharmacy unopened',
]


# Written at the thirteenth stop after reading the wrong lines of sets H, O, Q, U, W, X, AA and AB
# (which made them tuned sets): each cause, said in a template that holds for every name.
USE_READ_FROM_SETS_H_TO_AB = [
    "My uncle (he is the patient, I'm typing for him) is on {n} from the clinic",
    "the wife's {n}, maybe 1 a day since I tore my rotator cuff",
    "Question for the pharmacist: does {n} count? I take it every night",
    "{n} about 3 a day in winter, folic acid",
    "Pt states she used her husband's {n} x2 on Sunday for a toothache",
    'Pt states he stopped his {n} "recently", unsure of date',
    "haven't touched the {n} this week",
    "last {n} the friday after thanksgiving",
    "last {n} 1 sunday ago",
    # set AA (read at the thirteenth stop, after its first score)
    "a friend's {n} at a party Saturday",
    "rhino 6 weeks ago, they gave {n} in the OR, still taking it daily",
    "surgery 6 weeks ago, {n} daily since",
    "switched from gabapentin to {n} in the spring and then stopped the {n} on Monday",
    # set AB (read at the thirteenth stop, after its first score)
    "Cat groomer: took two of my dog's {n} for my own migraine on Tuesday",
    "{n} 15 mg patch, I pulled it off last weekend because it made me itchy",
]
NO_USE_READ_FROM_SETS_H_TO_AB = [
    "ALERGIC TO {n}",
    "Ma is on {n} through hospice and I'm her caregiver. I take melatonin only",
    "Was on {n} until spring 2024, off it since, nothing now; just vitamin D",
    "allergic to {n}, so she takes none",
    "Doctor wrote for {n} on November 20 but I never got it filled",
    "night shift RN: I hand out {n} at work but take none myself",
    "Stopped {n} on September 15, 2026 with the clinic's taper plan",
    "Used {n} daily until June 2026, fully stopped since then",
    "Grandpa (the patient) is to get {n} after his knee surgery on Dec 15, nothing yet",
    "Wisdom teeth out September 22, 2026, took the last {n} September 25, now only Advil",
    "haven't touched the {n} since Labor Day (Sept 7, 2026)",
    "Last Thanksgiving I was on {n} after my knee, done by Dec 2025; this year only Tylenol",
    "no {n} this year",
    "{n}, took my last one the Sunday before Halloween",
    "{n}, my last dose was four Sundays ago",
    "PA approved 11/24/26 for {n} but pt states she has NOT picked it up",
    # set AA
    "my roadie buddy is on {n} and I keep his take-homes in the safe. I take Claritin",
    "hysto 10/12, {n} for 4 days after, finished 10/16",
    "had a {n} script from urgent care on 11/20 but tossed it unfilled",
    "rhino 6 weeks ago, they gave {n} in the OR, no pain pills after",
    "ER on October 14, 2026 for a kidney stone, one dose of {n} there, nothing since",
    "Neurologist wrote {n} on 11/13/26; I decided not to fill it",
    "switched from gabapentin to {n} in the spring and then stopped the {n} on Veterans Day",
    # set AB
    "Vet tech. I handle {n} at work every day, never take any myself",
    "My husband buys {n} at the market for his farm work, not me",
    "Snowmobile wreck 11/1, in hospital on a fentanyl patch and {n}, all stopped 11/6",
    "Egg retrieval was Oct 30, they used {n} for sedation, none since",
    "Dog trainer, my old pit bull gets {n} for his cough",
    "{n} stopped in September (the 14th), moved to Lyrica only",
]


# Read from sets Z and AC at the fourteenth stop (both had been scored before their lines were read).
USE_READ_FROM_SETS_Z_AND_AC = [
    # found by rewrites at the same stop: "not taking anything else" had denied the medicine named before it
    "{n}, not taking anything else",
    "{n} 10mg. First got {n} after my 2019 surgery.",
    # a denial in the next medicine's own clause had been read as said of this one
    "{n} 50 when I overdo it in the garden, never used heroin",
    "I use a {n} patch and I change it every Wednesday, never used heroin",
    "on {n} since 2023, nothing for pain",
    "Horse trainer on {n} for 3 years now, plus Wellbutrin XL. Doing well, no other meds",
    "my knee got replaced in october and they gave me {n} 5mg and i still take one at night mostly because i cant sleep otherwise plus tylenol",
]
NO_USE_READ_FROM_SETS_Z_AND_AC = [
    "{n} 10. Last dose of the {n} was 3 weeks ago.",
    "Lisinopril 10 mg daily. detox back in August, they gave me {n} for a week, nothing since",
    "stopped {n} 2 years ago, not taking anything else",
    "no {n}, never have, not taking anything else",
    "{n} makes me sick so I avoid it, nothing for pain",
    "{n} after surgery, ran out end of Oct, nothing since",
    "{n} x1 week back in Sept after a root canal, nothing after 9/20",
    "{n} came off 10/25, 5 wks now, on Cymbalta",
    "Tessalon perles, Mucinex DM, Symbicort. pulm doc wanted to try low dose {n} for breathlessness, I declined",
    "endo excision in July, {n} for a week after, nothing since, Orilissa now",
    "My horse is on Banamine and Bute, and the vet left {n} for colic. I take nothing but Synthroid",
    "they wrote me a script for {n} after my tooth pull on the 20th but i never picked it up and just used ibuprofen and ice and salt rinses",
    "Pulled my back moving a dresser. Tylenol PM, Flexeril, and some THC gummies, the doc said skip {n}",
]

# Read from sets AD and AE at the fifteenth stop (both scored once before their lines were read).
USE_READ_FROM_SETS_AD_AND_AE = [
    "Typed by English neighbor: Ruth is on {n} 10mg daily from the clinic in Richland Center, and takes kelp",
    "DVT after a long flight, Eliquis starter pack. {n} 5mg for calf pain, last dose Nov 24",
    "Chiropractor twice a week; the {n} from last month ran out a little while ago",
    "Eliquis, Lipitor 80, Zoloft 50. {n} for post-stroke pain; ran out a few days ago, not refilled yet.",
    "on {n} since 2023. I used to run marathons.",  # found by a rewrite at the same stop (2026.11.90)
    "{n} 10 mg. My A1c was 6.1 in October.",  # 2026.11.91
    "on {n} since 2023, no problems",  # 2026.11.93
    "{n} 10 mg. I have a cat allergy.",  # 2026.11.96
    "nodding off on {n}. Used a walker for a month after my fall.",
    "{n} 10 mg. I had a biopsy in July, benign.",  # 2026.11.97
    # 2026.11.94: added to every tuned row read right, this cleared 1,990 contraindications ("in winter" read as a
    # date); not in the rewrite guard, as after a denial "Some I take" may take it back (2 rows now raise).
    "{n} 10 mg. Some I take only in winter.",
]
NO_USE_READ_FROM_SETS_AD_AND_AE = [
    "warfarin 6mg, INR 2.4. {n} interacts with warfarin so I never filled the script from urgent care",
    "Hip replacement Aug 18. {n} 10 bid for 2 wks, off it since Sept 1. Aspirin 81 bid.",
    "Colcrys, prednisone taper. {n} 50 for gout pain, stopped Friday Nov 13.",
    "{n} after my bunion surgery, last dose Nov 20 2025",
    "Typed by neighbor: Jonas' wife takes the {n} for her back, Jonas (patient) only uses arnica and liniment",
    # found by rewrites at the same stop (2026.11.90)
    "{n} makes me sick so I avoid it. Sleep is poor, maybe 5 hours.",
    "allergic to {n}, nothing else daily",
    "gallbladder surgery in early October, took {n} for 3 days after, nothing else daily",
    "Patient is 58 F. husband is on {n}",
    "Patient is 58 F. wife had surgery and she's on {n}; my meds: metformin 500 bid",
    "stopped {n} 2 years ago. My husband takes care of my meds.",  # 2026.11.91
    "last {n} 6 months ago. I get headaches sometimes.",
    "{n} makes me sick so I avoid it, no problems",  # 2026.11.93
    "allergic to {n}. Need help with sleep.",  # 2026.11.95
    "allergic to {n}. Need to lose 20 lbs.",  # 2026.11.96
    "allergic to {n}. I need a new knee.",  # 2026.11.97
]

# Read from sets AF and AG at the sixteenth stop (both scored once before their lines were read).
USE_READ_FROM_SETS_AF_AND_AG = [
    "My son is the patient. Meds: melatonin, and he finished his last {n} pill Thanksgiving night",  # not last year's
    "stopped {n} in Feb but restarted it in Oct",
    "Gave up my {n} for Lent back in Feb but restarted in Oct after surgery and still on it.",
    "{n}, stopped in March. Restarted in Oct after knee surgery",
    # from sets AH and AI, read at the same stop
    "Extra Help covers my {n} after the prior auth went through in Sept.",
    "{n} for CRPS after the 2024 burn, changed every 3 days.",
    "Drug;Dose;Started;Stopped / {n};8mg;2024-02-10;2026-11-21",
    "{n} filled 11/20/2026, stopped after 2 days",
    # from sets AJ and AK, read at the same stop
    "{n} 10mg 2x a day, 3 yrs in recovery. got shot in the hand this summer, still going to OT",
    "Typing for consumer J.R. (the patient): MAR shows {n} 5mg at 0800 and 2000, Depakote 500",
    "Aide here for Mrs. L (patient, IDD). She takes her {n} twice a day, guardian signed consent.",
    "Q: opioid-free? A: not yet, tapering off the {n}, last dose planned for Dec 5",
    "Pain: {n} 50mg twice a day, no nausea with it",
    # from sets AL and AM, read at the same stop
    "My mother (the patient) uses Ma Ying Long ointment and takes {n} from the Chinatown clinic 2x/day",
    "the strip under my tongue ({n}), my blood pressure pill and my allergy pill",
    # from set AN, read at the same stop
    "Afghan family. my grandmother uses {n} in her tea for pain every night, she is the patient, 78 years old",
    "my dad takes {n} from Korea for his spine, morning and night. he is the patient, I'm typing for him",
    "I take {n} 100 retard 1 a day, got the last box from Croatia in October",
]
NO_USE_READ_FROM_SETS_AF_AND_AG = [
    "carpal tunnel release 10/20: took the {n} 2 days (10/20-10/22) and threw the rest out, Advil now",
    "teen (patient): Zoloft. ER wrote {n} for her wrist on 11/21 but we did not fill it, ibuprofen only",
    "last {n} Oct 31, fully off now for 4 weeks, Lamictal",
    "My 8 year old has leftover {n} from his tonsils, locked up. I take Zoloft 50.",
    "Flushed my late dad's leftover {n} at the police drop box. I only take lisinopril 10.",
    "On LDN 4.5mg for inflammation. No actual {n}, my doc checked.",
    # from sets AH and AI, read at the same stop
    "trazodone 50. I used to take {n} but stopped in July after the fusion healed",
    "femoral stress fx Oct 2. {n} for 5 days in early October, nothing since, calcium now",
    "surgeon sent {n} for my wrist, never took a single one, bottle went to the take-back box sealed",
    "Quit {n} on 2026-10-05 before starting Vivitrol for alcohol; clean 55 days.",
    "EOB shows {n} filled 9/14/2026 but I stopped after two days, nothing since.",
    "Medicare no longer covers my {n} so I stopped in 2024",
    # from sets AJ and AK, read at the same stop
    "MY HUSBAND HEARING, HE TAKE {n} FOR BACK. NOT ME. ME: LEVOTHYROXINE 75",
    "Guardian states consumer has never received {n}. MAR: Depakote, Risperdal",
    "Staff note: housemate is on {n}, NOT this individual.",
    "{n} 5 by mistake. Never took one, returned it 11/25.",
    # from sets AL and AM, read at the same stop
    "Stopped {n} on 2026/10/31 after the knee healed, now Paracetamol",
    "{n} from 01.10.2026 to 10.10.2026 after my wisdom teeth, nothing since. Now Ibuprofen 400 prn",
    "{n} stopped on 14/11/2026, switched to paracetamol only",
    "Pain doc wanted to start me on {n} but insurance denied it so I never got it. Still on duloxetine",
    "Free clinic wrote me a {n} script for my foot but it got stolen before I filled it. Just ibuprofen now",
    "We're 80. Neither of us has ever taken {n}, we're both on Lipitor and a baby aspirin",
    "The {n} in our cabinet is my husband's from last week. I take only Zyrtec and Nexium",
    # from set AN, read at the same stop (said of another person in the past tense)
    "Chinese grandma in Shenzhen used {n}, I never did. I have vitamin C",
    "my husband took {n} after his knee surgery; I take metformin",
]


@pytest.mark.parametrize(
    "template",
    USE + USE_READ_FROM_SETS_H_TO_AB + USE_READ_FROM_SETS_Z_AND_AC + USE_READ_FROM_SETS_AD_AND_AE + USE_READ_FROM_SETS_AF_AND_AG,
)
def test_said_as_use_it_is_a_contraindication_for_every_name(template):
    missed = [name for name in NAMES if not is_opioid(screen_medication(template.format(n=name), today=TODAY))]
    assert not missed, f"{template!r} read as no contraindication for {missed}"


@pytest.mark.parametrize(
    "template",
    NO_USE + NO_USE_READ_FROM_SETS_H_TO_AB + NO_USE_READ_FROM_SETS_Z_AND_AC + NO_USE_READ_FROM_SETS_AD_AND_AE
    + NO_USE_READ_FROM_SETS_AF_AND_AG,
)
def test_said_as_no_use_it_is_never_a_contraindication(template):
    raised = [name for name in NAMES if is_opioid(screen_medication(template.format(n=name), today=TODAY))]
    assert not raised, f"{template!r} read as a contraindication for {raised}"


@pytest.mark.parametrize(
    "entry, codeine",
    [
        ("corrections officer, inmate assault, Tylenol 3 x 10 tabs, used 6 so far", True),  # ten tablets of the codeine product
        ("tylenol 3 x10", True),
        ("Tylenol 3 x daily", False),  # plain Tylenol, three times a day
        ("Tylenol 3x daily", False),
    ],
)
def test_tylenol_3_before_a_count_of_tablets_is_the_codeine_product(entry, codeine):
    assert is_opioid(screen_medication(entry, today=TODAY)) is codeine


@pytest.mark.parametrize(
    "entry",
    [
        "Hi there. endo excision in July, oxycodone for a week after, nothing since, Orilissa now",
        "Here is my list. Egg retrieval was Oct 30, they used fentanyl for sedation, none since.",
        "Meds as of today: dog: tramadol + gabapentin from the vet. me: sertraline and birth control",
        "Good morning, Pain pills? Only gabapentin, and Novalgin (metamizole) when I visit family in Germany.",
        "codeine allergy (hives), never had any other pain pills",
        "Narcan kit at work, we keep fentanyl in the ambulance",
    ],
)
def test_a_greeting_a_label_or_a_workplace_adds_no_use(entry):
    assert not is_opioid(screen_medication(entry, today=TODAY))


@pytest.mark.parametrize("entry", ["Hi there. norco daily", "here are my meds: norco 10 mg", "tramadol for years, never had any other opioids"])
def test_a_greeting_or_a_label_takes_nothing_away(entry):
    assert is_opioid(screen_medication(entry, today=TODAY))


@pytest.mark.parametrize("entry", ["tylenol 3 daily", "Tylenol 4 a day for my back"])
def test_tylenol_3_or_4_with_a_count_a_day_is_asked_about(entry):
    """Three plain Tylenol a day, or Tylenol #3 once a day: the pharmacist asks, the patient is not told it is an opioid."""
    flags = screen_medication(entry, today=TODAY)
    assert [f.code for f in flags if f.code.startswith("opioid")] == ["opioid_possible"]
    assert not is_opioid(flags)


@pytest.mark.parametrize("entry", ["P-V-Tussin syrup at night", "Statuss Green cough syrup"])
def test_us_cough_syrups_with_an_opioid_are_contraindications(entry):
    assert is_opioid(screen_medication(entry, today=TODAY))


@pytest.mark.parametrize(
    "entry",
    [
        # "horse" beside a vet, colic or a barn is the animal, whatever "high" or "use" the entry says elsewhere
        "My horse gets butorphanol (Torbugesic) from the vet after colic surgery, I only take Lipitor. I have high blood pressure.",
        "the horse is on butorphanol after colic surgery lol, I take ibuprofen. I use a CPAP at night.",
        "Horse bit my forearm, cellulitis. Doxycycline 100 bid, Tdap booster, and probiotics, no street drugs",
        # who the writer is, before a dated event, leaves the event to date the course after it
        "Female, 52. ER at Aurora on October 14, 2026 for a kidney stone, one dose of fentanyl there, nothing since.",
        "Dr. Smith is my PCP. HS excision in April 2026, took Norco for a week then stopped. Now just Humira and zinc",
    ],
)
def test_an_animal_or_the_writer_described_adds_no_use(entry):
    assert not is_opioid(screen_medication(entry, today=TODAY))


@pytest.mark.parametrize(
    "entry",
    [
        "horse on weekends, got high",
        "I use a cpap. smack most days",
        "shooting horse daily, I ride the bus",
        "Female, 52. Knee surgery in 2019. norco daily",
        "Knee surgery in 2019. paregoric 5 mL after meals for ostomy output, pectin, Metamucil wafers",  # after meals, not after the surgery
    ],
)
def test_a_street_word_or_a_medicine_taken_on_a_schedule_stays_use(entry):
    assert is_opioid(screen_medication(entry, today=TODAY))


@pytest.mark.parametrize("entry", ["bupropion 300 (not buprenorphine), as needed", "Fioricet (no codeine), as needed"])
def test_a_bracketed_denial_after_a_medicine_stands_whatever_follows(entry):
    assert not is_opioid(screen_medication(entry, today=TODAY))


@pytest.mark.parametrize("entry", ["gabapentin, no norco since Tuesday", "Tylenol (no codeine) and oxycodone daily"])
def test_a_bracketed_denial_denies_only_its_own_name(entry):
    assert is_opioid(screen_medication(entry, today=TODAY))


@pytest.mark.parametrize(
    "entry, opioid",
    [
        ("clean from heroin since 2019. Fell off the wagon last week.", True),  # a relapse, not a fall
        ("For the pharmacist: norco 10", True),
        ("For the pharmacist: dog: tramadol + gabapentin from the vet. me: sertraline and birth control", False),
        ("I'm a caregiver for my mom. She takes norco daily.", True),  # typed for the mother, who takes it
    ],
)
def test_a_fall_a_caregiver_or_a_note_to_the_pharmacist(entry, opioid):
    assert is_opioid(screen_medication(entry, today=TODAY)) is opioid



@pytest.mark.parametrize("entry", ["Deca 200/wk with test 400/wk, Proviron 25 and HCG", "Anavar 10 mg, Winstrol, Dianabol", "NoDoz 200 mg"])
def test_bodybuilding_steroids_and_caffeine_tablets_are_known_medicines_not_near_opioids(entry):
    flags = screen_medication(entry, today=TODAY)
    assert not is_opioid(flags)
    assert not [f.matched for f in flags if f.code == "unrecognised"]  # "Proviron" was read as the opioid Proxyvon


@pytest.mark.parametrize(
    "entry, opioid",
    [
        ("Qelbree 200 + loperamide 2mg most mornings (IBS), not an opioid user, never have been", False),
        ("loperamide for diarrhea (not a narcotic)", False),
        ("Lyrica 150 for nerve pain (not an opioid, my derm checked)", False),
        ("GI says Imodium is not an opioid I need to worry about. No pain meds.", False),
        ("Lyrica (not an opioid), oxycodone 5 mg daily", True),  # the denial is Lyrica's
    ],
)
def test_what_a_medicine_is_not_denies_no_opioid_taken(entry, opioid):
    assert is_opioid(screen_medication(entry, today=TODAY)) is opioid


@pytest.mark.parametrize("entry", ["ultrarunner ~70 mi/wk: salt tabs, iron every other day", "ultra runner, iron and vitamin D"])
def test_two_everyday_words_run_together_are_at_most_a_possible_opioid(entry):
    flags = screen_medication(entry, today=TODAY)
    assert not is_opioid(flags)  # "ultrarunner" is three letters from Ultram ER: a question for the pharmacist, not a contraindication


@pytest.mark.parametrize("entry", ["Spravato 84 mg twice a week at the clinic", "IV ketamine every 4 weeks for depression", "Esketamine nasal 56 mg"])
def test_ketamine_and_esketamine_are_reviewed_with_ldn_not_unrecognised(entry):
    flags = screen_medication(entry, today=TODAY)
    assert not is_opioid(flags)
    assert [f.code for f in flags] == ["reviewed_with_ldn"]  # was "unrecognised": the pharmacist now sees why
    assert "opioid receptors" in flags[0].reading


@pytest.mark.parametrize(
    "entry",
    [
        "Plivalgin from Croatia, took 2 on 11/25 for my back",
        "Caffetin for my migraines, about 2 a week, last one yesterday",
        "Pabron Gold A cold granules my mom sent from Osaka, took a pack this morning",
        "compound licorice tablets (fufang gancao pian) for cough 3x a day since Tuesday",
        "taryak in my tea every night",
    ],
)
def test_codeine_and_opium_products_from_abroad_are_opioids(entry):
    assert is_opioid(screen_medication(entry, today=TODAY))
