"""Generated threats and hard non-threats, to teach and to measure the threat head.

The labelled sets we train on hold few threats (about 1 in 300 Jigsaw comments, a few
hundred Gab posts), and almost none in the plain first-person form a forum moderator
meets: "I'm going to kill you.", "I know where you live.", "Say that again and I'll break
your legs." A model trained on them scored "I am going to kill you." at 0.16. The opposite
error matters as much on a police professionals' forum, where members report threats
("the suspect threatened to stab her") and use the idioms everyone uses ("this heat is
killing me"): those are not threats by the poster.

Three disjoint sets of generated sentences:
- `training_set()`: threats (label 1: a first-person intent, a conditional threat, a
  wish that someone be harmed, intimidation) and hard negatives (label 0: the same frames
  with harmless verbs, violent idioms, reported threats, games and fiction, advice);
- `validation_set()`: the same kinds from its own templates and harm phrases: the threat
  head's calibration reads it beside Jigsaw's and Gab's validation rows, which hold only
  15 threats between them;
- `evaluation_set()`: the same kinds, from other templates and other harm phrases, so the
  report measures whether the head learnt the kind of sentence, not our wording.

Intimidation is a threat too, and the one a police forum meets most: "I know where you
live", a member's address, phone or workplace posted or promised ("everyone will know
where you live"), their family, car or house named, "watch your back", "say that again
and ...", "I'll be waiting for you after work". Each set has its own wordings of it, and
its own hard non-threats beside it: "I'll report you to the moderators", "break a leg",
"watch your step on the ice", intimidation reported with its arrest or caution ("she said
she knew where he lived, and we cautioned her"), an officer describing a harassment case.

No template and no harm phrase is shared between the sets (a test checks it). All three
are built without randomness: every call returns the same list in the same order. None
of them holds a reply of the forum probe set (`models/probes.py`), which the evaluation
report scores as forum rows: a test checks that too.
"""

from __future__ import annotations

from itertools import product

# --- What a threat does to someone, as the rest of a sentence after "I'll" / "I'm going to".
# {o} is the person threatened ("you", "him", "her"), {p} the possessive ("your", "his", "her").
TRAIN_HARMS = (
    "kill {o}",
    "stab {o}",
    "beat {o} to a pulp",
    "smash {p} face in",
    "break {p} legs",
    "put {o} in hospital",
    "strangle {o}",
    "burn {p} house down",
    "slit {p} throat",
    "hurt {o} badly",
    "knife {o}",
    "kick {p} head in",
    "throw acid in {p} face",
    "choke {o} to death",
    "set fire to {o}",
    "murder {o}",
    "batter {o} with a hammer",
    "hang {o} from a lamppost",
    # Intimidation: the home, the family, the car, the address made public.
    "post {p} home address online",
    "torch {p} car on the drive",
    "go after {p} kids",
    "turn up at {p} front door",
    "follow {o} home from work",
)
VALIDATION_HARMS = (
    "punch {p} teeth out",
    "slice {o} up",
    "poison {o}",
    "crush {p} windpipe",
    "drown {o}",
    "pay {p} family a visit",
    "share {p} address with the whole forum",
)
EVAL_HARMS = (
    "shoot {o}",
    "snap {p} neck",
    "cave {p} skull in",
    "end {o}",
    "make {o} bleed",
    "run {o} over",
    "blow {p} brains out",
    "rip {p} head off",
    "publish {p} home address",
    "deal with {p} wife and kids",
)

# --- Harmless things the same frames say ("I'll ... you"): not threats.
TRAIN_BENIGN = (
    "call {o} back",
    "send {o} the link",
    "find {o} a copy of the policy",
    "buy {o} a pint",
    "help {o} with the form",
    "meet {o} at the station",
    "add {o} to the rota",
    "beat {o} at darts",
    # Reporting a member is what a forum offers instead of a threat: "I'll report you".
    "report {o} to the moderators",
    "report {p} post to the admins",
    "wait for {o} at the front desk",
)
VALIDATION_BENIGN = (
    "phone {o} tomorrow",
    "print {o} a copy",
    "walk {o} through the checklist",
    "flag {p} post to the admins",
)
EVAL_BENIGN = (
    "email {o} the minutes",
    "show {o} the new system",
    "cover {p} shift on Friday",
    "pick {o} up after the briefing",
    "ring {o} when I get in",
    "take {o} through the paperwork",
    "report {p} account to the site admins",
    "give {o} a lift home",
)

TARGETS = (("you", "your"), ("him", "his"), ("her", "her"))

TRAIN_FRAMES = (
    "I'm going to {harm}.",
    "I will {harm}{tail}.",
    "Say that again and I'll {harm}.",
    "If I ever see you again I will {harm}.",
    "Keep posting and I swear I'll {harm}.",
    "One more word and I'll {harm}.",
    "Post that one more time and I'll {harm}.",
)
VALIDATION_FRAMES = (
    "Try that again and I will {harm}.",
    "Just wait, I'm going to {harm}{tail}.",
)
EVAL_FRAMES = (
    "I am going to {harm}{tail}.",
    "Mark my words, I'll {harm}.",
    "Carry on like this and I will {harm}.",
    "Next time we meet I'm going to {harm}.",
    "Mention me once more and I'll {harm}.",
)
# Reported threats (a member describing what someone else said or did): label 0, with the
# same harm phrases as the threats, so the head must read who intends the harm.
TRAIN_REPORTS = (
    "The suspect threatened to {harm}.",
    "He told the call handler he was going to {harm}.",
    "Her ex had texted that he would {harm}.",
    "We arrested the neighbour after he threatened to {harm}.",
)
VALIDATION_REPORTS = (
    "The complainant said the man had threatened to {harm}.",
    "A caution was issued after the caller said they would {harm}.",
)
EVAL_REPORTS = (
    "The defendant admitted saying he would {harm}.",
    "According to the witness statement, the caller vowed to {harm}.",
    "He got a caution for telling his neighbour he would {harm}.",
)
TRAIN_TAILS = ("", " tonight", " when I find you", ", I promise")
VALIDATION_TAILS = ("", " on Monday")
EVAL_TAILS = ("", " after work", " and nobody will stop me")

# Whole sentences that threaten or intimidate without a harm verb in the frame above.
TRAIN_THREATS_FREE = (
    "I know where you live.",
    "Watch your back, I know which station you work at.",
    "You won't be laughing when I turn up at your door.",
    "Someone should shoot the lot of them.",
    "I hope someone stabs you on your next shift.",
    "People like you deserve a bullet.",
    "You'd better sleep with one eye open.",
    "I'll be waiting outside your house.",
    "I know your kids' school. Think about that.",
    "You have no idea what I'm going to do to you.",
    "Somebody needs to put him in the ground.",
    "I hope your car gets torched with you in it.",
    "I'm coming for you and your family.",
    "You will end up in a ditch if you keep this up.",
    "Post my name again and you'll be carried out in a box.",
    "I'd happily watch you burn.",
    "Enjoy your last few days.",
    "He deserves to be shot and I'd pull the trigger.",
    # Intimidation: the address made public, the family, the car, the house, waiting.
    "Everyone on this forum will know your home address by tonight.",
    "I'll post your address here and let everyone drop round.",
    "I've found your home address and I'm sharing it with everyone you've upset.",
    "Keep it up and your address goes on Facebook with a photo of your house.",
    "I'll make sure everyone knows where you live and where your kids go to school.",
    "I know where your wife works and what time she finishes.",
    "Your kids walk home on their own, don't they?",
    "I know where your mum lives too.",
    "Your family will pay for what you posted.",
    "Think of your kids before you post again.",
    "Nice house. Shame if the windows went in one night.",
    "Lovely car on your drive. It would be a pity if it caught fire.",
    "Keep talking and your house will be the next one on the news.",
    "I've got your number plate. Think about that next time you post.",
    "Watch your back on the walk to the station.",
    "You'd better sleep with both eyes open from now on.",
    "I'd lock your doors tonight if I were you.",
    "Say that again and see what happens to your car.",
    "Post that one more time and your phone number goes up on every forum I know.",
    "One more post like that and I'll be round your house.",
    "I'll be outside the station when you clock off, and I won't be alone.",
    "I'll be waiting by your car when your shift ends.",
    "Don't be surprised if someone is waiting on your doorstep tomorrow.",
)
VALIDATION_THREATS_FREE = (
    "I'm outside your flat right now.",
    "You'll be sorry when they find you.",
    "Someone should take him out for good.",
    "Keep looking over your shoulder.",
    "Your kids' school is only round the corner from me, isn't it?",
    "Everybody here is about to find out your address.",
    "Watch yourself walking to your car tonight.",
    "Reply once more and your employer gets a visit from me.",
    "I'll be outside your workplace at five.",
    "Keep your doors locked, just a friendly warning.",
    "Your car would look better with four flat tyres.",
)
EVAL_THREATS_FREE = (
    "I know where your family lives.",
    "You're a dead man walking.",
    "Someone ought to string him up.",
    "Wait till I catch you alone.",
    "I hope you get what's coming to you in a dark alley.",
    "Your days are numbered.",
    "I've got your address now. See you soon.",
    "Somebody should teach her a lesson she won't walk away from.",
    "Everyone will know where you live by the morning.",
    "I've shared your address with a few friends of mine.",
    "That's a nice house you've got on Mill Lane.",
    "Nice kids. Be a shame if something happened on the school run.",
    "Your wife's car is the red one, isn't it?",
    "Watch your back, copper.",
    "Keep checking your rear-view mirror on the way home.",
    "I'll be waiting for you after work.",
    "Enjoy the walk home tonight. I'll be watching.",
    "Type one more word about me and your windows come in.",
    "Say my name again and you won't be walking anywhere.",
)

# Violent words that are not threats: idioms, reports, games, training, advice.
TRAIN_NOT_THREATS = (
    "This heat is killing me.",
    "I'd kill for a cup of tea right now.",
    "You absolutely killed it at the presentation.",
    "Break a leg at your interview tomorrow!",
    "My feet are killing me after that night shift.",
    "The suspect threatened to kill the victim, the court heard.",
    "He was charged with making threats to kill and possession of a bladed article.",
    "The offender said he would stab her; we arrested him at the scene.",
    "She reported that her ex had threatened to burn her house down.",
    "In the game you have to kill the dragon before it burns the village.",
    "The film ends with the hero shooting the villain.",
    "Officers are trained to deal with people who threaten to stab them.",
    "If someone threatens you with a knife, create distance and call for backup.",
    "The new rota is going to murder my sleep pattern.",
    "I'm going to smash this exam.",
    "We got slaughtered in the quiz last night.",
    "That joke killed me.",
    "The victim was beaten to a pulp and left in the alley, according to the report.",
    "Threats to kill carry a maximum sentence of ten years.",
    "He shot the lights out at the range today.",
    "I could murder a curry after this shift.",
    "Our team got destroyed in the five-a-side on Sunday.",
    "He pleaded guilty to threatening to kill his partner and was remanded.",
    "The victim told us the suspect had said he would knife him.",
    "We were called to a male threatening to set fire to the flat.",
    "Firearms officers shot the suspect after he pointed a gun at them.",
    "Our custody sergeant says the new system will be the death of him.",
    "I'm going to kill this cold with lemsip and an early night.",
    "We need to hang the new noticeboard by the front desk.",
    "Just choke the engine a little on cold mornings.",
    "The kids were playing cops and robbers, shooting each other with water pistols.",
    "Kill the power before you touch the wiring.",
    # Hard non-threats beside intimidation: reporting to the moderators, reported and
    # prosecuted intimidation, and the same words ("watch your", "waiting for you") said kindly.
    "I'll report you to the moderators if this carries on.",
    "I'll report this post, it breaks the forum rules.",
    "Reported to the mods. Please keep it civil.",
    "Break a leg in the panto this weekend!",
    "He threatened to kill his neighbour, so we arrested him.",
    "She said she knew where he lived, and we cautioned her.",
    "We arrested him for sending messages that said he knew where she lived.",
    "He was cautioned after telling his neighbour he knew where her kids went to school.",
    "The victim said the caller had threatened to put her address online; enquiries are ongoing.",
    "She was arrested after threatening to put her ex's address on social media.",
    "The victim told us her ex had been sitting outside her house every night, so we arrested him for stalking.",
    "I'm dealing with a harassment case where he kept turning up at her work; he has now been charged.",
    "The officer in the case described months of calls, letters and visits to her workplace before the arrest.",
    "Harassment victims can apply for a non-molestation order while we investigate.",
    "Watch your step on the ice outside the front office.",
    "Watch your back when reversing the van, the bollards have moved.",
    "I'll be waiting for you at the station with the spare radio.",
    "My kids will kill me if I miss sports day again.",
    "Your car is blocking the gate, could you move it please?",
    "Lock your doors and windows before you go on holiday; burglaries are up.",
    "I'll post the address of the venue here once it's booked.",
    "Say that again, I didn't catch it over the radio.",
    "Post that again in the right thread and I'll answer it there.",
)
VALIDATION_NOT_THREATS = (
    "The man was convicted of threats to kill last year.",
    "This commute will be the end of me.",
    "Dispatch says a neighbour heard him threaten to stab her.",
    "I'd murder a bacon sandwich right now.",
    "We smashed our targets this quarter.",
    "The boxer knocked his opponent out in the third round.",
    "Flagged this post for the moderators to look at.",
    "Break a leg on Saturday, hope the show goes brilliantly.",
    "He was arrested after threatening his neighbour with a hammer over the hedge.",
    "She admitted telling him she knew his address and accepted a caution.",
    "The harassment file shows sixty calls to her workplace in a fortnight.",
    "Careful on the steps by the back door, they're like an ice rink.",
    "I'll be outside the canteen at five if anyone wants a lift.",
    "Keep your doors locked when you leave the car at the services.",
)
EVAL_NOT_THREATS = (
    "This paperwork is killing me.",
    "I would kill for a day off.",
    "You smashed that presentation.",
    "The defendant admitted threatening to shoot his neighbour.",
    "The caller said he would break her legs if she went to the police.",
    "Stabbings in the borough are down twelve percent this year.",
    "In the novel the detective is shot in the final chapter.",
    "Training covers what to do when a suspect threatens you with a weapon.",
    "The overtime is slowly murdering me.",
    "We got hammered in the league this season.",
    "The witness heard him shout that he would kill them all.",
    "That episode absolutely destroyed me, I cried for an hour.",
    "I'm reporting this post to the moderators.",
    "Break a leg tonight, the whole team is rooting for you.",
    "The man who threatened to kill his neighbour was arrested the same day.",
    "The accused admitted saying she knew where he lived; a caution followed.",
    "In this harassment case the suspect had turned up at her work eleven times before we arrested him.",
    "We charged him after he posted his ex-partner's address on a community page.",
    "Mind how you go on the ice, the car park is treacherous.",
    "Look after your back on those long shifts, get a proper chair.",
    "I'll be waiting for you at arrivals, text when you land.",
    "Your car's headlights are still on in the yard.",
    "Everyone will know where the party is once I post the invite.",
    "My missus will have my guts for garters if I'm late again.",
)


def _harm_sentences(frames, harms, tails, label: int, targets=TARGETS) -> list[dict]:
    out = []
    for frame, harm, (o, p) in product(frames, harms, targets):
        # A sentence that speaks to the reader elsewhere ("If I ever see you again ...",
        # "... when I find you") threatens the reader: no third-person target there.
        for tail in tails if "{tail}" in frame else ("",):
            if o != "you" and ("you" in frame.split("{harm}")[0].lower() or "you" in tail):
                continue
            text = frame.format(harm=harm.format(o=o, p=p), tail=tail)
            out.append({"text": text[0].upper() + text[1:], "label": label})
    return out


def unique_by_text(rows: list[dict]) -> list[dict]:
    """The rows with each text once, the first kept, in order (the template sets share it)."""
    seen, out = set(), []
    for r in rows:
        if r["text"] not in seen:
            seen.add(r["text"])
            out.append(r)
    return out


def _build(frames, harms, benign, tails, reports, free_threats, not_threats) -> list[dict]:
    rows = _harm_sentences(frames, harms, tails, 1)
    rows += _harm_sentences(frames, benign, tails, 0)
    rows += _harm_sentences(reports, harms, ("",), 0, targets=TARGETS[1:])
    rows += [{"text": t, "label": 1} for t in free_threats]
    rows += [{"text": t, "label": 0} for t in not_threats]
    return unique_by_text(rows)


def training_set() -> list[dict]:
    """Threats (1) and hard non-threats (0) for training; disjoint from `evaluation_set`."""
    return _build(TRAIN_FRAMES, TRAIN_HARMS, TRAIN_BENIGN, TRAIN_TAILS, TRAIN_REPORTS, TRAIN_THREATS_FREE, TRAIN_NOT_THREATS)


def validation_set() -> list[dict]:
    """Threats (1) and hard non-threats (0) for calibration; disjoint from both others."""
    return _build(VALIDATION_FRAMES, VALIDATION_HARMS, VALIDATION_BENIGN, VALIDATION_TAILS, VALIDATION_REPORTS,
                  VALIDATION_THREATS_FREE, VALIDATION_NOT_THREATS)


def evaluation_set() -> list[dict]:
    """Threats (1) and hard non-threats (0) for the report; never trained on."""
    return _build(EVAL_FRAMES, EVAL_HARMS, EVAL_BENIGN, EVAL_TAILS, EVAL_REPORTS, EVAL_THREATS_FREE, EVAL_NOT_THREATS)
