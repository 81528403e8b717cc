"""Language identification: the thresholds, scripts, mixed posts, and the rate of false
"not English" on the English sets (bench/language.py measures the rest)."""

from pathlib import Path

import pytest

from models import language
from models.language import english_text, identify

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def read_tsv(name):
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("text, code", [
    ("Dzięki za info, jutro tam pójdę.", "pl"),
    ("Nu mai scrie prostii, nu te crede nimeni.", "ro"),
    ("Oes rhywun yn gwybod pryd mae'r siop yn agor bore fory?", "cy"),
    ("J'ai eu le même souci avec ma carte bancaire la semaine dernière.", "fr"),
])
def test_a_post_in_another_language_is_named_and_not_scored(text, code):
    found = identify(text)
    assert (found.language, found.scored, found.uncertain, found.status) == (code, False, False, "language_not_supported")
    assert found.confidence >= language.NOT_ENGLISH_CONFIDENCE


@pytest.mark.parametrize("text", ["Spadaj, debilu.", "Muchas gracias", "lol same", "Agreed.", "owo", "😀😀😀", "!!!"])
def test_fewer_than_three_words_is_too_short_to_tell_and_scored_as_english(text):
    found = identify(text)
    assert found.language == "en" and found.scored and found.uncertain and not found.mixed


def test_a_detector_less_than_sure_leaves_the_post_english():
    # "Bon appétit, folks!" reads as French to the detector, but not surely.
    found = identify("Bon appétit, folks!")
    assert found.scored and found.language == "en" and found.uncertain


@pytest.mark.parametrize("text, code", [("Спасибо большое за помощь!", "ru"), ("非常感谢你的帮助！", "zh"),
                                        ("شكراً جزيلاً على المساعدة.", "ar")])
def test_a_script_english_is_never_written_in_is_not_english_however_short(text, code):
    found = identify(text)
    assert not found.scored and found.language == code


@pytest.mark.parametrize("text", [r"¯\_(ツ)_/¯ whatever mate", "ಠ_ಠ really?", "( ͡° ͜ʖ ͡°) nice one"])
def test_a_face_drawn_in_another_script_is_not_a_language(text):
    assert identify(text).scored


def test_styled_letters_are_read_as_plain_ones():
    assert identify("𝐂𝐨𝐥𝐥𝐞𝐠𝐞 𝐬𝐭𝐮𝐝𝐞𝐧𝐭 𝐤𝐢𝐜𝐤𝐞𝐝 𝐨𝐮𝐭 𝐨𝐟 𝐜𝐥𝐚𝐬𝐬 𝐟𝐨𝐫 𝐭𝐞𝐥𝐥𝐢𝐧𝐠 𝐭𝐡𝐞 𝐭𝐫𝐮𝐭𝐡").language == "en"


def test_links_mentions_and_hashtags_are_not_read_as_language():
    found = identify("@Krzysztof_Wisniewski see https://example.pl/ogloszenia/mieszkanie #Warszawa #Kraków for the flat")
    assert found.scored and found.language == "en"


@pytest.mark.parametrize("code, text", read_tsv("language_mixed.tsv"))
def test_a_mixed_post_leaves_out_only_its_other_language(code, text):
    found = identify(text)
    assert found.scored and found.mixed and found.status == "scored"
    assert [lang for *_, lang in found.other_sentences] == [code]
    read = english_text(text, found)
    assert len(read) == len(text)
    begin, end, _ = found.other_sentences[0]
    assert read[begin:end].strip() == "" and read[:begin] + read[end:] == text[:begin] + text[end:]


def test_a_foreign_headline_run_on_into_english_still_has_its_english_scored():
    # No full stop between them: the long sentence is read in stretches, and its English found.
    text = ("Rechts-Rocker lebt bürgerlich in Verl und die Nachbarn wissen nichts davon, sagt die Zeitung heute, "
            "Nachrichten aus Ostwestfalen-Lippe, Bielefeld, Gütersloh, Herford und Paderborn "
            "and the press round here have been hounding that poor family for weeks now")
    found = identify(text)
    assert found.language == "de" and found.scored and found.mixed
    assert "hounding that poor family for weeks now" in english_text(text, found)
    assert "Nachbarn" not in english_text(text, found)


def test_a_short_english_sentence_in_an_english_post_is_never_cut():
    text = ("Bayern lost 1-2 to Bayer Leverkusen Sunday. They remain at the top of the table. "
            "Whoop de fucking doo. Ways to improve Kırmızı elbiseler.")
    found = identify(text)
    assert found.scored and not found.mixed and found.language == "en"


def test_the_detector_holds_only_the_candidate_languages():
    identifier = language._Detector.get()
    assert set(identifier.labels) == set(language.CANDIDATES)
    assert identifier._full_model[0] is identifier.nb_ptc


def test_english_text_is_unchanged_without_other_sentences():
    text = "Nothing to leave out here, mate."
    assert english_text(text, identify(text)) is text


def test_hand_written_posts_in_other_languages_are_mostly_named_right():
    # bench/language.py prints the misses: mostly two-word insults (too short to tell),
    # Czech read as Slovak, and Urdu in Latin letters, which langid has no model of.
    rows = [(code, identify(text)) for code, text in read_tsv("language_posts.tsv")]
    foreign = [(code, found) for code, found in rows if code != "en"]
    right = sum(not found.scored and found.language == code for code, found in foreign)
    assert right / len(foreign) >= 0.8
    assert all(found.scored and not found.mixed for code, found in rows if code == "en")


# --- Shared data ------------------------------------------------------------------------


@pytest.mark.shared
def test_false_not_english_on_the_english_validation_sets(shared_dir):
    from bench.language import english_sets

    table = english_sets(shared_dir / "data", ["val"], show=False)
    posts = sum(c["posts"] for c in table.values())
    unscored = sum(c.get("unscored", 0) for c in table.values())
    assert posts > 20_000
    assert unscored / posts <= 0.003
    assert sum(c.get("unscored_long", 0) + c.get("cut_long", 0) for c in table.values()) == 0


def test_a_post_read_before_is_not_read_again(monkeypatch):
    readings = []
    real = language.identify_uncached
    monkeypatch.setattr(language, "identify_uncached", lambda text: readings.append(text) or real(text))
    monkeypatch.setattr(language, "_identified", language.ScoreCache(2))
    text = "A reply that the page shows again when the moderator reloads it."
    first, again = identify(text), identify(text)
    assert again is first and readings == [text]
    # Bounded: two other posts push it out, and it is read a second time.
    identify("Another reply, long enough to be read as English."), identify("And a third reply in plain English.")
    assert identify(text) == first and readings.count(text) == 2


def test_the_memory_of_read_posts_holds_no_text():
    text = "Nobody should find this sentence in the language memory."
    identify(text)
    assert all(isinstance(key, bytes) and len(key) == 16 for key in language._identified._entries)
    assert not any(text in repr(value) for value in language._identified._entries.values())


def test_the_detector_loads_with_no_room_for_its_temporary_file(monkeypatch):
    # py3langid unpacks its model through a temporary file; a full /tmp stopped every worker.
    import errno

    from py3langid import modelio

    def full(**_):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(modelio.tempfile, "TemporaryFile", full)
    monkeypatch.setattr(language._Detector, "_identifier", None)
    detector = language._Detector.get()
    assert detector.rank("Which ferry runs on Sundays in the winter months?")[0][0] == "en"
    assert modelio.tempfile.TemporaryFile is full  # put back as it was
