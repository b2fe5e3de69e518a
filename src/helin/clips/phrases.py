"""The words of helin's default clips, per language, for espeak-ng."""

from __future__ import annotations

from helin.media.announce import all_number_names

VOICES = {"en": "en", "et": "et"}
"""espeak-ng voice per language."""

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Thank you for calling. Please hold, the next available agent will answer.",
        "comfort": "Thank you for waiting. All our agents are still busy. Please stay on the line.",
        "closed": "We are closed at the moment. Please call again during our opening hours.",
        "queue_full": "All our agents are busy and the queue is full. Please call again later.",
        "no_agents": "No agents are available at the moment. Please call again later.",
        "sorry": "We are sorry, no agent could take your call. Please call again later.",
        "position_next": "You are next in line.",
        "position_before": "You are number",
        "position_after": "in the queue.",
        "wait_before": "The estimated waiting time is",
        "wait_under_minute": "less than one minute.",
        "minute": "minute.",
        "minutes": "minutes.",
        "feature_log_in": "You are logged in.",
        "feature_log_out": "You are logged out.",
        "feature_dnd_on": "Do not disturb is on.",
        "feature_dnd_off": "Do not disturb is off.",
        "feature_pause_on": "You are paused.",
        "feature_pause_off": "Your pause has ended.",
        "feature_disposition": "The call is coded.",
        "feature_unknown": "This code is not valid.",
    },
    "et": {
        "greeting": "Täname helistamast. Palun oodake, vabanev teenindaja vastab teile peagi.",
        "comfort": "Täname ootamast. Kõik teenindajad on endiselt hõivatud. Palun jääge ootele.",
        "closed": "Oleme praegu suletud. Palun helistage meie lahtiolekuaegadel.",
        "queue_full": "Kõik teenindajad on hõivatud ja järjekord on täis. Palun helistage hiljem.",
        "no_agents": "Praegu ei ole ühtegi teenindajat saadaval. Palun helistage hiljem.",
        "sorry": "Vabandame, ükski teenindaja ei saanud kõnet vastu võtta. Palun helistage hiljem.",
        "position_next": "Teie olete järjekorras esimene.",
        "position_before": "Teie järjekorranumber on",
        "wait_before": "Eeldatav ooteaeg on",
        "wait_under_minute": "alla ühe minuti.",
        "minute": "minut.",
        "minutes": "minutit.",
        "feature_log_in": "Olete sisse logitud.",
        "feature_log_out": "Olete välja logitud.",
        "feature_dnd_on": "Ära sega on sisse lülitatud.",
        "feature_dnd_off": "Ära sega on välja lülitatud.",
        "feature_pause_on": "Olete pausil.",
        "feature_pause_off": "Teie paus on lõppenud.",
        "feature_disposition": "Kõne tulemus on salvestatud.",
        "feature_unknown": "See kood ei kehti.",
    },
}

_EN_ONES = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ET_ONES = ["üks", "kaks", "kolm", "neli", "viis", "kuus", "seitse", "kaheksa", "üheksa"]
_ET_TEENS = [f"{w}teist" for w in _ET_ONES]


def number_words(language: str) -> dict[str, str]:
    """Clip name (``n1``..``n900``) → the word(s) spoken."""
    words: dict[str, str] = {}
    for name in all_number_names():
        n = int(name[1:])
        if language == "et":
            if n < 10:
                words[name] = _ET_ONES[n - 1]
            elif n == 10:
                words[name] = "kümme"
            elif n < 20:
                words[name] = _ET_TEENS[n - 11]
            elif n < 100:
                words[name] = f"{_ET_ONES[n // 10 - 1]}kümmend"
            else:
                words[name] = "sada" if n == 100 else f"{_ET_ONES[n // 100 - 1]}sada"
        elif n < 20:
            words[name] = _EN_ONES[n - 1]
        elif n < 100:
            words[name] = _EN_TENS[n // 10 - 2]
        else:
            words[name] = f"{_EN_ONES[n // 100 - 1]} hundred"
    return words


def texts(language: str) -> dict[str, str]:
    """Every default clip of a language: name → text."""
    return {**PHRASES[language], **number_words(language)}
