"""Template sentences about identities, to measure and to counter identity bias.

A model trained on toxic comments learns that "gay", "Muslim" or "Romanian" predict an
attack, because attacks mention them more than other posts do. Two disjoint sets of
generated sentences deal with that:

- `evaluation_set()`: neutral or positive mentions only (label 0), over every identity
  in `IDENTITIES`; the share of these a model flags is its false-alarm rate on harmless
  mentions. It holds "I am a proud gay Muslim woman.", which the pretrained Jigsaw BiLSTM
  (`tox-block`) flags at 0.74.
- `training_set()`: counterfactual augmentation. The same identities appear in harmless
  sentences (label 0) and in identity attacks (label 1), so the label can only be learnt
  from the attack, never from the identity word.

The two sets share no template and no sentence, so a model trained on one is measured on
sentences it has not seen. Both are built without randomness: every call returns the
same list in the same order.

Each identity gives the grammatical forms templates need ("a Muslim", "Muslims", "a gay
man", "gay people"); a template that needs a form an identity lacks (a "man" form for
"women") skips that identity rather than produce a broken sentence.
"""

from __future__ import annotations


def _identity(name, category, adj, people, person, man=None, woman=None):
    return {
        "name": name,
        "category": category,
        "adj": adj,  # before a noun: "gay officers", "female officers", "older workers"
        "people": people,  # the group: "gay people", "Muslims", "women"
        "person": person,  # one member, without article: "gay person", "Muslim", "woman"
        "man": man,  # "gay man"; None where it would not make sense
        "woman": woman,
    }


IDENTITIES: list[dict] = [
    # sexuality
    _identity("gay", "sexuality", "gay", "gay people", "gay person", "gay man", "gay woman"),
    _identity("lesbian", "sexuality", "lesbian", "lesbians", "lesbian", None, "lesbian"),
    _identity("bisexual", "sexuality", "bisexual", "bisexual people", "bisexual person",
              "bisexual man", "bisexual woman"),
    _identity("straight", "sexuality", "straight", "straight people", "straight person",
              "straight man", "straight woman"),
    _identity("queer", "sexuality", "queer", "queer people", "queer person", "queer man",
              "queer woman"),
    # gender
    _identity("transgender", "gender", "transgender", "transgender people",
              "transgender person", "transgender man", "transgender woman"),
    _identity("nonbinary", "gender", "nonbinary", "nonbinary people", "nonbinary person"),
    _identity("women", "gender", "female", "women", "woman", None, "woman"),
    _identity("men", "gender", "male", "men", "man", "man", None),
    # religion
    _identity("Muslim", "religion", "Muslim", "Muslims", "Muslim", "Muslim man",
              "Muslim woman"),
    _identity("Christian", "religion", "Christian", "Christians", "Christian",
              "Christian man", "Christian woman"),
    _identity("Jewish", "religion", "Jewish", "Jewish people", "Jewish person",
              "Jewish man", "Jewish woman"),
    _identity("Hindu", "religion", "Hindu", "Hindus", "Hindu", "Hindu man", "Hindu woman"),
    _identity("Sikh", "religion", "Sikh", "Sikhs", "Sikh", "Sikh man", "Sikh woman"),
    _identity("Buddhist", "religion", "Buddhist", "Buddhists", "Buddhist", "Buddhist man",
              "Buddhist woman"),
    _identity("Catholic", "religion", "Catholic", "Catholics", "Catholic", "Catholic man",
              "Catholic woman"),
    _identity("atheist", "religion", "atheist", "atheists", "atheist", "atheist man",
              "atheist woman"),
    # ethnicity
    _identity("Black", "ethnicity", "Black", "Black people", "Black person", "Black man",
              "Black woman"),
    _identity("white", "ethnicity", "white", "white people", "white person", "white man",
              "white woman"),
    _identity("Asian", "ethnicity", "Asian", "Asian people", "Asian person", "Asian man",
              "Asian woman"),
    _identity("Latino", "ethnicity", "Latino", "Latinos", "Latino", "Latino man",
              "Latina woman"),
    _identity("Arab", "ethnicity", "Arab", "Arabs", "Arab", "Arab man", "Arab woman"),
    _identity("Roma", "ethnicity", "Roma", "Roma people", "Roma person", "Roma man",
              "Roma woman"),
    # nationality
    _identity("Romanian", "nationality", "Romanian", "Romanians", "Romanian",
              "Romanian man", "Romanian woman"),
    _identity("Polish", "nationality", "Polish", "Polish people", "Polish person",
              "Polish man", "Polish woman"),
    _identity("Nigerian", "nationality", "Nigerian", "Nigerians", "Nigerian",
              "Nigerian man", "Nigerian woman"),
    _identity("Pakistani", "nationality", "Pakistani", "Pakistanis", "Pakistani",
              "Pakistani man", "Pakistani woman"),
    _identity("Irish", "nationality", "Irish", "Irish people", "Irish person", "Irish man",
              "Irish woman"),
    _identity("Mexican", "nationality", "Mexican", "Mexicans", "Mexican", "Mexican man",
              "Mexican woman"),
    _identity("Chinese", "nationality", "Chinese", "Chinese people", "Chinese person",
              "Chinese man", "Chinese woman"),
    _identity("Indian", "nationality", "Indian", "Indian people", "Indian person",
              "Indian man", "Indian woman"),
    _identity("Somali", "nationality", "Somali", "Somalis", "Somali", "Somali man",
              "Somali woman"),
    _identity("Ukrainian", "nationality", "Ukrainian", "Ukrainians", "Ukrainian",
              "Ukrainian man", "Ukrainian woman"),
    # disability
    _identity("deaf", "disability", "deaf", "deaf people", "deaf person", "deaf man",
              "deaf woman"),
    _identity("blind", "disability", "blind", "blind people", "blind person", "blind man",
              "blind woman"),
    _identity("disabled", "disability", "disabled", "disabled people", "disabled person",
              "disabled man", "disabled woman"),
    _identity("autistic", "disability", "autistic", "autistic people", "autistic person",
              "autistic man", "autistic woman"),
    # age
    _identity("old", "age", "older", "older people", "older person", "older man",
              "older woman"),
    _identity("young", "age", "young", "young people", "young person", "young man",
              "young woman"),
    _identity("elderly", "age", "elderly", "elderly people", "elderly person",
              "elderly man", "elderly woman"),
]

# "an" goes before a vowel sound; these words start with a vowel letter but not a vowel
# sound ("a Ukrainian", not "an Ukrainian").
_CONSONANT_SOUND = ("uk", "uni", "eu", "one")


def with_article(phrase: str) -> str:
    """'a' or 'an' and the phrase: "an elderly man", "a Muslim", "a Ukrainian"."""
    lower = phrase.lower()
    vowel_sound = lower[0] in "aeiou" and not lower.startswith(_CONSONANT_SOUND)
    return f"{'an' if vowel_sound else 'a'} {phrase}"


def _capitalise(phrase: str) -> str:
    return phrase[0].upper() + phrase[1:]


def _slots(identity: dict) -> dict:
    """Every form a template may ask for; None where the identity has no such form."""
    slots = {"adj": identity["adj"], "people": identity["people"], "person": identity["person"],
             "man": identity["man"], "woman": identity["woman"],
             "a_person": with_article(identity["person"])}
    slots["a_man"] = with_article(identity["man"]) if identity["man"] else None
    slots["a_woman"] = with_article(identity["woman"]) if identity["woman"] else None
    for key in list(slots):
        if slots[key] is not None:
            slots[_capitalise(key)] = _capitalise(slots[key])
    return slots


def _template(template_id, text, label=0, skip=()):
    # `skip` names identities or categories for which the sentence would be absurd
    # ("an elderly man in his forties"), not ones whose mention would be unwelcome.
    return {"id": template_id, "text": text, "label": label, "skip": frozenset(skip)}


EVALUATION_TEMPLATES = [
    _template("eval-neighbour", "My neighbour is {a_person} and we get on well."),
    _template("eval-officers", "{Adj} officers joined the force this year.", skip={"elderly"}),
    _template("eval-workers", "14 {adj} workers complained of exploitation.",
              skip={"elderly"}),
    _template("eval-victim-man", "The victim was {a_man} in his forties.", skip={"age"}),
    _template("eval-victim-woman", "The victim was {a_woman} in her thirties.",
              skip={"age"}),
    _template("eval-appeal", "Police are appealing for witnesses after {a_person} was "
              "assaulted outside the station."),
    _template("eval-proud-woman", "I am a proud {woman}."),
    _template("eval-proud-man", "I am a proud {man}."),
    _template("eval-lived", "{People} have lived in this town for generations."),
    _template("eval-food-bank", "Many {people} volunteer at the food bank every weekend."),
    _template("eval-report", "The report found that {people} are more likely to be victims "
              "of crime."),
    _template("eval-documentary", "As {a_person}, I found the documentary fair and well "
              "researched."),
    _template("eval-respect", "{People} deserve the same respect as everyone else."),
    _template("eval-club", "The club welcomes {people} and their families."),
]

TRAINING_TEMPLATES = [
    # harmless mentions (label 0), including sympathetic ones about hostility and
    # counter-speech that quotes a stereotype in order to reject it
    _template("train-friend", "My best friend is {a_person}."),
    _template("train-welcome", "{People} are welcome at our meetings."),
    _template("train-study", "The study interviewed 200 {people} about their working lives."),
    _template("train-safe", "She said that {people} in the area felt safe."),
    _template("train-conference", "I met {a_person} at the conference yesterday."),
    _template("train-students", "{Adj} students won three of the five prizes.",
              skip={"elderly"}),
    _template("train-listen", "We should listen to {people} when they talk about their "
              "own lives."),
    _template("train-volunteers", "The mayor thanked {adj} volunteers for their help after "
              "the floods."),
    _template("train-election", "{A_person} won the local election."),
    _template("train-engineer", "My colleague is {a_person} and a brilliant engineer."),
    _template("train-rights", "{People} have the same rights as anyone else."),
    _template("train-film", "The film follows {a_person} growing up in the 1990s.",
              skip={"age"}),
    _template("train-kind", "Most {people} I know are kind and generous."),
    _template("train-discrimination", "{People} still face discrimination when renting "
              "a flat."),
    _template("train-wrong", "It is wrong to say that {people} are dangerous."),
    _template("train-attacks-rose", "Attacks on {people} have risen this year, the "
              "charity said."),
    # identity attacks (label 1): the insult, not the identity word, carries the label
    _template("attack-vermin", "{People} are vermin and should be thrown out.", label=1),
    _template("attack-filthy", "All {people} are filthy and subhuman.", label=1),
    _template("attack-hate", "I hate {people}, they ruin everything.", label=1),
    _template("attack-vote", "{People} should not be allowed to vote.", label=1),
    _template("attack-trust", "Never trust {a_person}, they are all liars.", label=1),
    _template("attack-disease", "{People} are a disease on this country.", label=1),
    _template("attack-children", "Keep {people} away from our children.", label=1),
    _template("attack-animals", "{People} are animals and deserve what they get.", label=1),
]


def _fill(template: dict, identity: dict, slots: dict) -> str | None:
    if identity["name"] in template["skip"] or identity["category"] in template["skip"]:
        return None
    try:
        return template["text"].format_map(_Strict(slots))
    except _MissingForm:
        return None


class _MissingForm(Exception):
    pass


class _Strict(dict):
    """Slots for str.format_map that refuse a form the identity lacks."""

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        if value is None:
            raise _MissingForm(key)
        return value


def _generate(templates: list[dict]) -> list[dict]:
    rows = []
    for template in templates:
        for identity in IDENTITIES:
            text = _fill(template, identity, _slots(identity))
            if text is not None:
                rows.append({"text": text, "identity": identity["name"],
                             "template_id": template["id"], "label": template["label"]})
    return rows


_BY_NAME = {identity["name"]: identity for identity in IDENTITIES}

# "I am a proud gay Muslim woman." and its kin: two identities in one phrase, the case
# that single-identity templates miss and that tox-block gets badly wrong.
_PROUD_PAIRS = [(first, second)
                for first in ("gay", "lesbian", "bisexual", "transgender", "queer")
                for second in ("Muslim", "Jewish", "Christian", "Hindu", "Sikh", "Black",
                               "Asian", "disabled")]


def evaluation_set() -> list[dict]:
    """Neutral and positive identity sentences, all label 0, for measuring false alarms.

    Out: dicts {"text", "identity", "template_id", "label": 0}, the same list on every
    call. A two-identity sentence names both in `identity`, space-separated ("gay Muslim").
    """
    rows = _generate(EVALUATION_TEMPLATES)
    for first, second in _PROUD_PAIRS:
        rows.append({"text": f"I am a proud {_BY_NAME[first]['adj']} "
                             f"{_BY_NAME[second]['adj']} woman.",
                     "identity": f"{first} {second}", "template_id": "eval-proud-pair",
                     "label": 0})
    return rows


def training_set() -> list[dict]:
    """Counterfactual augmentation: harmless mentions (label 0) and identity attacks (label 1).

    Out: dicts {"text", "identity", "template_id", "label", "attribute": "identity_attack"},
    the same list on every call, sharing no template and no sentence with `evaluation_set`.
    """
    return [{**row, "attribute": "identity_attack"} for row in _generate(TRAINING_TEMPLATES)]
