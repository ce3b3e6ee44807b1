"""Read what Spanish speakers type as the English words the reader knows.

The reader's rules (timing.py, matcher.py) are written in English: "stopped ... 3 days ago",
"allergic to", "my husband takes", "none". A row written in Spanish says the same things in other
words and another order ("dejé la metadona hace 3 días", "alérgica a la codeína", "mi esposo toma",
"ninguno"). Rather than a second copy of every rule, the few Spanish words that carry meaning for
screening are rewritten here as their English counterparts, keeping each word's place in the
patient's text, so a flag still points at what the patient typed. Drug names are never rewritten:
the knowledge base holds the Spanish names (morfina, oxicodona, metadona, Tradol, …) itself.

Everyday Spanish words that carry nothing for screening ("cabeza", "presión", "espalda") are not
listed here; the knowledge base's Spanish word list keeps them from being reported as unknown
medicine names (see `spanish_words` in scripts/build_drug_knowledge.py).

Words arrive folded (lower case, accents removed): "dejé" is "deje", "años" is "anos".
"""

from __future__ import annotations

from collections.abc import Mapping

from .normalise import Token


def _phrases(table: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """ "spanish words = english words" lines; an empty right side drops the words."""
    phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
    for line in table.strip().splitlines():
        spanish, english = (side.split() for side in line.split("="))
        phrases[tuple(spanish)] = tuple(english)
    return phrases


# Longest phrases win, so "no tomo nada" is read before "no" and "nada".
_PHRASES = _phrases(
    """
    ofrecieron = offered
    me ofrecieron = offered me
    empece = started
    nunca lo empece = never started it
    nunca la empece = never started it
    nunca lo tome = never took it
    nunca la tome = never took it
    lo = it
    ninguno = none
    ninguna = none
    nada = nothing
    ningun medicamento = no medications
    ningun medicamento actualmente = no medications currently
    ninguna medicina = no medications
    no tomo nada = nothing
    no tomo ningun medicamento = no medications
    no tomo medicamentos = no medications
    no tomo medicinas = no medications
    no tomo ninguna medicina = no medications
    sin medicamentos = no medications
    no = no
    nunca = never
    jamas = never
    nunca he tomado = never taken
    nunca he usado = never used
    nunca tome = never took
    niego = deny
    niega = denies
    sin = without
    solo = only
    solamente = only
    que usa = uses
    que toma = takes
    que usan = use
    que toman = take
    ya no = no longer
    ya no tomo = no longer take
    ya no uso = no longer use
    no he tomado = havent taken
    no tomo = dont take
    no uso = dont use
    no estoy tomando = not taking
    no consumo = dont use
    tomo = take
    toma = takes
    tomar = take
    tomando = taking
    tome = took
    tomaba = took
    tomabamos = took
    he tomado = have taken
    estoy tomando = am taking
    uso = use
    usa = uses
    usar = use
    usando = using
    usaba = used
    consumo = use
    consumia = used
    deje = stopped
    deje de = stopped
    deje de tomar = stopped taking
    deje de usar = stopped using
    dejo de tomar = stopped taking
    suspendi = stopped
    suspendio = discontinued
    suspendieron = discontinued
    me quitaron = discontinued
    me la quitaron = discontinued
    me lo quitaron = discontinued
    pare = stopped
    pare de = stopped
    termine = finished
    termine de tomar = finished taking
    estoy dejando = weaning off
    dejando = weaning off
    bajando = tapering
    bajando la dosis = tapering
    reduciendo = reducing
    ultima dosis = last dose
    ultima vez = last time
    ultima = last
    ultimo = last
    ayer = yesterday
    anteayer = 2 days ago
    antier = 2 days ago
    hoy = today
    anoche = last night
    esta manana = this morning
    esta semana = this week
    este mes = this month
    hace poco = recently
    recientemente = recently
    desde = since
    hasta = until
    antes = previously
    antes tomaba = previously took
    actualmente = currently
    ahora = now
    todavia = still
    aun = still
    todavia no = not yet
    aun no = not yet
    todavia no empiezo = not started yet
    no empiezo = not started
    no he empezado = havent started
    no lo he empezado = havent started it
    no la he empezado = havent started it
    nunca lo abri = never opened it
    nunca la abri = never opened it
    no lo he abierto = never opened it
    no la he abierto = never opened it
    quiere darme = wants to give me
    quiere recetarme = wants to prescribe me
    me quiere dar = wants to give me
    me quiere recetar = wants to prescribe me
    pero = but
    tengo = have
    en casa = at home
    nunca lo compre = never bought it
    nunca la compre = never bought it
    no lo compre = never bought it
    no la compre = never bought it
    compre = bought
    me receto = prescribed me
    receto = prescribed
    sigo tomando = still taking
    cada = every
    al dia = daily
    por dia = daily
    diario = daily
    diaria = daily
    diarios = daily
    diarias = daily
    diariamente = daily
    todos los dias = daily
    una vez al dia = once a day
    dos veces al dia = twice a day
    tres veces al dia = three times a day
    veces = times
    vez = time
    por la noche = at night
    en la noche = at night
    por la manana = in the morning
    en la manana = in the morning
    antes de dormir = at bedtime
    al acostarme = at bedtime
    en ayunas = before breakfast
    segun sea necesario = as needed
    cuando sea necesario = as needed
    si es necesario = as needed
    cuando lo necesito = as needed
    cuando = when
    semanal = weekly
    mensual = monthly
    hora = hour
    horas = hours
    dia = day
    dias = days
    semana = week
    semanas = weeks
    mes = month
    meses = months
    ano = year
    anos = years
    manana = morning
    noche = night
    noches = nights
    pastilla = pill
    pastillas = pills
    tableta = tablet
    tabletas = tablets
    capsula = capsule
    capsulas = capsules
    jarabe = syrup
    parche = patch
    parches = patches
    gotas = drops
    inyeccion = injection
    inyecciones = injections
    crema = cream
    tira = strip
    tiras = strips
    pelicula = film
    de liberacion prolongada = extended release
    liberacion prolongada = extended release
    pastillas para el dolor = pain pills
    pastilla para el dolor = pain pill
    medicina para el dolor = pain medicine
    medicinas para el dolor = pain medicine
    medicamento para el dolor = pain medicine
    medicamentos para el dolor = pain medicine
    calmante = painkiller
    calmantes = painkillers
    analgesico = painkiller
    analgesicos = painkillers
    para el dolor = for pain
    dolor = pain
    jarabe para la tos = cough syrup
    para la tos = for cough
    potasico = potassium
    sodico = sodium
    calcico = calcium
    clorhidrato = hydrochloride
    clorhidrato de = hydrochloride
    multivitaminico = multivitamin
    multivitaminicos = multivitamin
    pastillero = pill organizer
    insulina = insulin
    unidades = units
    inyectable = injectable
    anticonceptivas = birth control
    anticonceptivos = birth control
    pastillas anticonceptivas = birth control pills
    te de manzanilla = chamomile tea
    manzanilla = chamomile
    agruras = heartburn
    acidez = heartburn
    aceite de pescado = fish oil
    aspirina de bebe = baby aspirin
    alergico = allergic
    alergica = allergic
    alergia = allergy
    alergias = allergies
    soy alergico a = allergic to
    soy alergica a = allergic to
    alergia a = allergy to
    mi = my
    mis = my
    su = their
    sus = their
    de mi = of my
    esposo = husband
    marido = husband
    esposa = wife
    mujer = wife
    hijo = son
    hija = daughter
    madre = mother
    mama = mom
    padre = father
    papa = dad
    abuelo = grandfather
    abuela = grandmother
    hermano = brother
    hermana = sister
    perro = dog
    perrito = dog
    gato = cat
    mascota = pet
    la paciente = the patient
    el paciente = the patient
    y = and
    o = or
    con = with
    para = for
    por = for
    de = of
    del = of the
    en = in
    el = the
    la = the
    los = the
    las = the
    un = a
    una = a
    unos = a few
    unas = a few
    yo = i
    cirugia = surgery
    operacion = surgery
    hospital = hospital
    dentista = dentist
    muela = tooth
    receta = prescription
    calle = street
    de la calle = from the street
    programa de metadona = methadone program
    clinica de metadona = methadone clinic
    tratamiento = treatment
    desintoxicacion = detox
    dos = two
    tres = three
    cuatro = four
    cinco = five
    seis = six
    siete = seven
    ocho = eight
    nueve = nine
    diez = ten
    quince = 15
    veinte = 20
    treinta = 30
    """
)
_LONGEST = max(len(phrase) for phrase in _PHRASES)

# "hace 3 días" is "3 days ago": the number and the unit come after "hace" in Spanish.
_AGO_UNITS = {word: _PHRASES[(word,)][0] for word in ["dia", "dias", "semana", "semanas", "mes", "meses", "ano", "anos", "hora", "horas"]}
_AGO_COUNTS = {"un": "a", "una": "a", "unos": "a few", "unas": "a few", "algunos": "a few", "algunas": "a few"}
_NUMBER_WORDS = {word: _PHRASES[(word,)][0] for word in ["dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez"]}
_WEEKDAYS = {"lunes": "monday", "martes": "tuesday", "miercoles": "wednesday", "jueves": "thursday",
             "viernes": "friday", "sabado": "saturday", "domingo": "sunday"}
# "la semana pasada" is "last week": "pasado" follows what it dates.
_PAST = frozenset({"pasado", "pasada"})
_DATED = {"semana": "week", "mes": "month", "ano": "year", "fin": "weekend"} | _WEEKDAYS
_MONTHS = {"enero": "january", "febrero": "february", "marzo": "march", "abril": "april", "mayo": "may",
           "junio": "june", "julio": "july", "agosto": "august", "septiembre": "september", "setiembre": "september",
           "octubre": "october", "noviembre": "november", "diciembre": "december"} | _WEEKDAYS


def as_english(
    tokens: list[Token], text: str = "", names: Mapping[tuple[str, ...], object] | None = None, longest: int = 1
) -> list[Token]:
    """The tokens with Spanish words of timing, use, people and dosing put in English.

    `text` is the row as typed, whose accents tell Spanish from English. `names` are the knowledge
    base's phrases (up to `longest` words): a name of several words is kept whole ("sulfato de
    morfina", "Sal de Uvas Picot"), never rewritten.
    """
    if not _is_spanish({t.text for t in tokens}, accented=bool(_SPANISH_LETTERS & set(text.lower()))):
        return tokens
    result: list[Token] = []
    i = 0
    while i < len(tokens):
        kept = _name_at(tokens, i, names or {}, longest)
        if kept:
            result.extend(tokens[i : i + kept])
            i += kept
            continue
        taken, words = _rewrite_at(tokens, i)
        if taken:
            span = tokens[i : i + taken]
            result.extend(Token(word, span[0].start, span[-1].end) for word in words)
            i += taken
        else:
            result.append(tokens[i])
            i += 1
    return result


def _name_at(tokens: list[Token], i: int, names: Mapping[tuple[str, ...], object], longest: int) -> int:
    for length in range(min(longest, len(tokens) - i), 1, -1):
        if tuple(t.text for t in tokens[i : i + length]) in names:
            return length
    return 0


def _rewrite_at(tokens: list[Token], i: int) -> tuple[int, tuple[str, ...]]:
    text = [t.text for t in tokens[i : i + _LONGEST + 1]]
    if text[0] == "hace" and len(text) >= 2:
        count = _AGO_COUNTS.get(text[1]) or _NUMBER_WORDS.get(text[1]) or (text[1] if text[1].isdigit() else None)
        if count and len(text) >= 3 and text[2] in _AGO_UNITS:
            return 3, (*count.split(), _AGO_UNITS[text[2]], "ago")
        if text[1] in _AGO_UNITS:  # "hace mes y medio" and the like: some time ago
            return 2, ("a", _AGO_UNITS[text[1]], "ago")
        if text[1] in {"mucho", "tiempo", "anos"}:
            return 2, ("long", "ago")
    if len(text) >= 2 and text[0] in _DATED and text[1] in _PAST:
        return 2, ("last", _DATED[text[0]])
    if len(text) >= 3 and text[0] in {"el", "la"} and text[1] in _DATED and text[2] in _PAST:
        return 3, ("last", _DATED[text[1]])
    if len(text) >= 3 and text[0].isdigit() and text[1] == "de" and text[2] in _MONTHS:
        return 3, (_MONTHS[text[2]], text[0])  # "15 de noviembre" is "november 15"
    if text[0] in _MONTHS:
        return 1, (_MONTHS[text[0]],)
    for length in range(min(_LONGEST, len(text)), 0, -1):
        english = _PHRASES.get(tuple(text[:length]))
        if english is not None:
            return length, english
    return 0, ()


def _is_spanish(words: set[str], accented: bool) -> bool:
    """One word only Spanish has, or two Spanish words English also spells ("mi" and "para"), or
    one of them in a row with Spanish accents ("sin codeína")."""
    shared = len(words & _SHARED_WORDS)
    return bool(words & _SPANISH_MARKERS) or shared >= 2 or (shared == 1 and accented)


_SPANISH_LETTERS = frozenset("áéíóúñ¿¡")
# Words that could open an English row too: "no opioids", "a week ago", "sin", "Tome 2".
_SHARED_WORDS = frozenset(
    {"de", "en", "con", "para", "por", "mi", "mis", "la", "el", "los", "las", "un", "una", "y", "o", "su", "sus",
     "del", "sin", "tome", "mama", "papa", "dolor", "pare", "padre", "dos", "uso", "crema", "dia", "hospital",
     "me", "soy", "quince", "yo", "he", "usa", "al", "si", "ya"}
)
# Words only a Spanish row has.
_SPANISH_MARKERS = frozenset(
    {first for phrase in _PHRASES for first in phrase[:1]} | {"hace", "pasado", "pasada"} | set(_MONTHS)
) - _SHARED_WORDS - {"no", "a"}
