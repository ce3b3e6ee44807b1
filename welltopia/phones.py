"""Phone numbers as people read them: stored as typed or E.164 ("+16085550142"), shown as
"(608) 555-0142" for a US number and "+44 20 7946 0958" for any other; left as it is when it is
not a number at all. Links (tel:) take the E.164 form."""

import functools

import phonenumbers

# The pharmacy is in Wisconsin: a number without a country code is a US one.
DEFAULT_REGION = "US"


def _parse(value: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def phone_for_people(value: str | None) -> str:
    if not value:
        return ""
    return _formatted(value) or value


# A pure function of the string, and a list page shows the same numbers on every load: parsing
# them was about 5 ms of a 21-row schedule page under cProfile. Only phonenumbers' own output is
# kept (a value that is not a number is returned as given, safe-marked or not, never from here).
@functools.lru_cache(maxsize=4096)
def _formatted(value: str) -> str | None:
    number = _parse(value)
    if number is None:
        return None
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_uri(value: str | None) -> str:
    """"tel:+16085550142", or "" when there is no number to dial."""
    number = _parse(value or "")
    if number is None:
        digits = "".join(ch for ch in value or "" if ch.isdigit() or ch == "+")
        return f"tel:{digits}" if digits else ""
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
