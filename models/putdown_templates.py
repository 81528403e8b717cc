"""Generated put-downs and hard civil replies, to teach and to measure the hostility head.

Hostility is aggression, condescension or dismissal aimed at another participant. The
labelled sets we train on hold it mostly as swearing and slurs, and almost never in the
polite-sounding form a forum moderator meets most: sarcastic praise ("well done, genius"),
talking down ("bless you", "it's not rocket science", "I'll use small words"), brushing a
member off ("nobody asked", "cry more", "use the search, it's been answered a hundred
times") and plain contempt without a swear word ("you clearly have no idea what you're
talking about", "get a grip"). A model trained on them scored a sarcastic "well done" aimed
at a member who misread a rota at 0.03. The opposite error matters as much: the same words
are praise ("Genius idea, thank you!"), a joke at the poster's own expense ("I'm an idiot,
I misread it too"), a polite pointer to the search, a firm but civil disagreement, anger at
the rota or the ferry company rather than at a member, or a member reporting a put-down
someone else made. Those are not hostility by the poster.

Three disjoint sets of generated forum replies in British English, each row
`{"text": str, "label": 0 | 1, "kind": str}`:
- `training_set()`: put-downs (label 1, kinds in `HOSTILE_KINDS`) and hard civil replies
  (label 0, kinds in `CIVIL_KINDS`), the trigger words ("genius", "well done", "bless",
  "rocket science", "use the search", "mate") in both labels;
- `validation_set()`: the same kinds from its own frames and fill phrases: the hostility
  head's calibration reads it beside the other sources' validation rows;
- `evaluation_set()`: the same kinds, from other frames and other fill phrases, so the
  report measures whether the head learnt the kind of reply, not our wording.

A reply is composed from a frame with one slot, filled either with a task ({t}: "bleed a
radiator", "read a payslip") or a forum topic ({p}: "the overtime rates", "the Portsmouth
ferry"), and given an opener and a closer from its set's own short lists, which both labels
share; free-written replies are added beside them. No frame, opener, closer, fill phrase or
free-written reply is shared between the sets, and no fill phrase of one set appears in
another set's text (a test checks it). All three are built without randomness: every call
returns the same list in the same order. None of them holds, or is held in, a reply of the
forum probe set (`models/probes.py`), which the evaluation report scores as forum rows: a
test checks that too.
"""

from __future__ import annotations

from .threat_templates import unique_by_text


HOSTILE_KINDS = ("condescending", "dismissive", "aggressive")
CIVIL_KINDS = ("sincere", "self_deprecating", "civil_disagreement", "civil_correction", "complaint", "quoting")
LABELS = {**dict.fromkeys(HOSTILE_KINDS, 1), **dict.fromkeys(CIVIL_KINDS, 0)}

# Words that are in put-downs and in civil replies alike, in every set: alone they cannot decide.
TRIGGERS = ("genius", "well done", "bless", "rocket science", "use the search", "mate")

# --- Fill phrases. {t}: a task, the rest of "how to ..." / "can't ...". {p}: a forum topic.
TRAIN_TASKS = (
    "read a shift rota",
    "fill in an overtime claim",
    "bleed a radiator",
    "reset a laptop password",
    "check tyre pressures",
    "book annual leave online",
    "work out a pension forecast",
    "pot on a tomato plant",
    "change a plug fuse",
    "read a payslip",
    "charge a body-worn camera",
    "book a ferry crossing",
    "understand the offside rule",
)
VALIDATION_TASKS = (
    "swap a rest day",
    "claim mileage",
    "top up the coolant",
    "print a duty sheet",
    "prune a rose bush",
    "renew a warrant card",
    "connect to the work VPN",
    "defrost a chest freezer",
)
EVAL_TASKS = (
    "submit an expenses claim",
    "wire a light switch",
    "order new boots from stores",
    "read a tide table",
    "update a phone's software",
    "check a fixture list",
    "apply for a transfer",
    "measure up for a fence panel",
    "sharpen a lawnmower blade",
    "sign into the duty system",
    "calculate night shift pay",
    "replace a wiper blade",
)
TRAIN_TOPICS = (
    "the new shift pattern",
    "the overtime rates",
    "the police pension scheme",
    "the body armour issue",
    "diesel particulate filters",
    "the new crime recording system",
    "allotment waiting lists",
    "the Portsmouth ferry",
    "VAR decisions",
    "the pay award",
    "loft insulation",
    "the uniform allowance",
    "electric company cars",
)
VALIDATION_TOPICS = (
    "the holiday pay rules",
    "the spring rota",
    "the car allowance",
    "the replacement radios",
    "the Isle of Wight crossings",
    "League Two refereeing",
    "composting rules",
    "the 2015 pension remedy",
)
EVAL_TOPICS = (
    "the annual leave carry-over",
    "the career average pension",
    "the stab vest refit",
    "hybrid pool cars",
    "the Calmac sailings",
    "the night shift premium",
    "promotion boards",
    "the transfer window",
    "raised vegetable beds",
    "the fleet servicing contract",
    "the laptop rollout",
    "the sick pay rules",
)

# --- Frames, by kind. Each holds one slot: {t} (a task) or {p} (a topic).
TRAIN_FRAMES = {
    "condescending": (
        "Well done, genius, you've finally worked out how to {t}.",
        "Bless you, it must be hard going through life when you can't {t}.",
        "It's not rocket science to {t}, but I'll use small words for you.",
        "Did you even read the thread before asking how to {t}?",
        "Let me google how to {t} for you, since it's clearly beyond you.",
        "Aww, sweetie, most of us learnt to {t} at school.",
        "Clearly you've never worked a shift in your life if that's your take on {p}.",
        "Oh well done, mate, another expert on {p} who has never opened the guidance.",
        "Careful, love, {p} is a grown-ups' topic.",
        "Genius. Truly. Next you'll be explaining how to {t} to the rest of us.",
        "I'm sure you tried very hard to understand {p}. Bless.",
    ),
    "dismissive": (
        "Nobody asked for your opinion on {p}.",
        "Cry more about {p}, it really suits you.",
        "Whatever helps you sleep at night about {p}.",
        "Not worth replying to someone who can't {t}.",
        "Go and do your homework on {p} before posting again.",
        "Use the search, mate. How to {t} has been answered a hundred times.",
        "Yawn. Another thread from someone who can't {t}.",
        "Your views on {p} are noted and ignored.",
    ),
    "aggressive": (
        "You clearly have no idea what you're talking about on {p}.",
        "Get a grip, it's not hard to {t}.",
        "Shut up about {p} until you know something.",
        "You're embarrassing yourself with these posts about {p}.",
        "What a stupid question. Just {t} like everyone else does.",
        "How thick do you have to be not to be able to {t}?",
        "Stop wasting everyone's time, you can't even {t}.",
    ),
    "sincere": (
        "Well done, that's a great guide on how to {t}.",
        "Genius idea to pin a guide on how to {t}, thank you!",
        "Bless you for explaining how to {t}, it saved me an hour.",
        "Don't worry, it's not rocket science once someone shows you how to {t}; happy to help.",
        "Thanks, mate, your summary of {p} is the clearest I've seen.",
        "Well done on the write-up about {p}, really useful.",
        "You're a genius, that trick for how to {t} worked first time.",
    ),
    "self_deprecating": (
        "I'm an idiot, I couldn't {t} either until last week.",
        "Genius here forgot how to {t} again. Well done me.",
        "Bless me, I still can't {t} after twenty years in the job.",
        "Clearly I've no idea about {p}, so take my view with a pinch of salt.",
        "Turns out it's not rocket science to {t}; I'm just slow.",
    ),
    "civil_disagreement": (
        "I don't think that's quite right on {p}; the regulations were amended in 2023, section 4 covers it.",
        "I see it differently on {p}, mate, but I take your point.",
        "Respectfully, I'd disagree on {p}: our federation rep said the opposite last month.",
        "Not sure that's the best way to {t}; I'd check the manual first, but each to their own.",
    ),
    "civil_correction": (
        "There's a thread on how to {t} already, here's the link, hope it helps.",
        "If you use the search for how to {t}, the pinned guide comes up first. Good luck.",
        "Quick tip: the manual covers how to {t} on page 12, it's easy to miss.",
        "The sticky at the top covers {p}; worth a read, it answered my questions.",
    ),
    "complaint": (
        "{p} is a joke this month, honestly.",
        "I'm sick to death of {p}; management haven't a clue.",
        "Whoever came up with {p} wants their head examining.",
        "Absolutely fuming about {p}, nobody at HQ listens.",
        "The new website makes it impossible to {t}; it's useless.",
    ),
    "quoting": (
        "My sergeant told me it wasn't rocket science to {t}, which I thought was rude.",
        "Someone replied 'nobody asked' when I posted about {p}; is that allowed?",
        "A member called me a genius, sarcastically, for asking how to {t}. Mods, is that OK?",
        "He said 'bless you' when I asked how to {t}, and it came across as patronising.",
        "Got told to use the search when I asked about {p}, which felt a bit dismissive.",
    ),
}
VALIDATION_FRAMES = {
    "condescending": (
        "Oh, well done, genius. Took you a week to learn how to {t}.",
        "Bless your heart, mate, you'll get your head round {p} one day.",
        "Here's a tip, petal: {p} isn't rocket science, just read slower.",
        "Have you tried reading before posting? The first reply explains how to {t}.",
    ),
    "dismissive": (
        "Use the search like a grown-up instead of asking how to {t} for the fifth time.",
        "No one cares what you think about {p}.",
        "Not even going to dignify your take on {p} with an answer.",
    ),
    "aggressive": (
        "You haven't got the faintest clue about {p}, so stop posting.",
        "Pack it in. Anyone with half a brain can {t}.",
        "Do us all a favour and stop asking how to {t}.",
    ),
    "sincere": (
        "Well done for posting the guide on how to {t}, top stuff.",
        "Genius tip about {p}, mate, thanks.",
        "Bless you for taking the time to write up {p} for us newbies.",
        "Thanks for showing me how to {t}; not rocket science after all, I just needed a clear walkthrough.",
    ),
    "self_deprecating": (
        "Don't mind me, I'm the numpty who still can't {t}.",
        "Well done me, I got {p} completely wrong in my last post.",
    ),
    "civil_disagreement": (
        "I'm not convinced on {p}; the latest circular says otherwise, though I could be wrong.",
        "Fair point, but I'd go about it differently if I had to {t}, for the reasons in the guidance.",
    ),
    "civil_correction": (
        "If you use the search for {p}, there's a cracking thread from last spring.",
        "There's a step-by-step on how to {t} in the wiki; it's under the help tab.",
    ),
    "complaint": (
        "{p} is a total shambles and HR won't answer emails.",
        "Spent an hour trying to {t} because the website kept crashing. Useless.",
    ),
    "quoting": (
        "A bloke on here told me to use the search when I asked about {p}, and it felt a bit rude.",
        "My inspector said any genius could {t}, which stung a bit.",
    ),
}
EVAL_FRAMES = {
    "condescending": (
        "Wow, well done, you've discovered {p}. Have a gold star.",
        "Bless, you really think it's hard to {t}.",
        "It's hardly rocket science to {t}, sunshine, but take your time.",
        "Let me spell it out slowly, genius: read the guidance on {p}.",
        "Try to keep up, mate: we covered how to {t} on page one.",
    ),
    "dismissive": (
        "Nobody wants to hear your thoughts on {p}, mate.",
        "Heard of the search function? Use the search before asking how to {t}.",
        "Whatever you say. Your take on {p} isn't worth the bandwidth.",
        "Run along and learn how to {t} before wasting our time.",
    ),
    "aggressive": (
        "You obviously know nothing about {p}, so give it a rest.",
        "Get a grip, any trainee can {t}.",
        "What a ridiculous thing to say about {p}.",
        "Stop posting rubbish about {p}; you're making a fool of yourself.",
    ),
    "sincere": (
        "Well done, mate, that explanation of {p} cleared it all up.",
        "Genius workaround for how to {t}, I'd never have thought of it.",
        "Bless you for posting the link on {p}, exactly what I needed.",
        "Massive thanks for showing me how to {t}; rocket science it isn't, once you know where to look.",
        "Cheers for the detailed post on {p}, really appreciated.",
    ),
    "self_deprecating": (
        "I've no right to talk, I can't {t} without ringing my brother.",
        "Proper genius move from me: I posted about {p} in the wrong forum.",
        "Bless me, I've just realised I had {p} the wrong way round all along.",
    ),
    "civil_disagreement": (
        "I'd politely push back on {p}: the force policy was updated in March.",
        "I hear you, but I'm not sure about {p}; the figures on page two tell a different story.",
        "My experience of how to {t} is a bit different, but your method works too.",
    ),
    "civil_correction": (
        "Use the search for {p} and you'll find the official answer; it helped me loads.",
        "Someone wrote a great post on how to {t} last year, link below, hope it's useful.",
        "Worth checking the handbook on {p}, chapter three explains it well.",
    ),
    "complaint": (
        "{p} is an utter disgrace and everyone at work knows it.",
        "I've had it with {p}; another week of chaos.",
        "The council has made it impossible to {t} without queuing for an hour.",
    ),
    "quoting": (
        "Someone replied 'well done, genius' to my question about {p}; felt uncalled for.",
        "My mate got told it's not rocket science to {t} and he's still annoyed.",
    ),
}

# --- Openers and closers, shared by both labels within a set (so neither decides).
TRAIN_OPENERS = ("", "Honestly, ", "Right, ", "Look, ")
VALIDATION_OPENERS = ("", "Ok, ")
EVAL_OPENERS = ("", "Hmm, ", "To be honest, ")
TRAIN_CLOSERS = ("", " Cheers.", " Just saying.")
VALIDATION_CLOSERS = ("", " Thanks.")
EVAL_CLOSERS = ("", " Have a good day.")

# --- Free-written replies, as (kind, text).
TRAIN_FREE = (
    ("condescending", "Oh look, another expert who found the forum yesterday. Adorable."),
    ("condescending", "Aww, did you write that all by yourself? Bless."),
    ("condescending", "I'll type slowly so you can keep up."),
    ("condescending", "Sweetheart, the grown-ups are talking. Maybe sit this one out."),
    ("condescending", "Congratulations on discovering something the rest of us knew in 2009."),
    ("condescending", "It must be lovely to be that confident and that wrong at the same time."),
    ("condescending", "Have a biscuit, you've earned it for working out which way up the keyboard goes."),
    ("condescending", "Probationer, are we? Thought so. Come back when you've done a few sets of nights."),
    ("dismissive", "Cry me a river, then get back to work."),
    ("dismissive", "Did anyone ask? No? Thought not."),
    ("dismissive", "Not reading all that. Good luck with it, though."),
    ("dismissive", "Sounds like a you problem, to be fair."),
    ("dismissive", "Scroll on, folks, nothing worth reading in this one."),
    ("dismissive", "Another day, another pointless thread from the same poster."),
    ("dismissive", "Here's a radical idea: try Google before wasting everyone's afternoon."),
    ("aggressive", "You are genuinely the most clueless person on this forum."),
    ("aggressive", "Log off and give your keyboard a rest, you're a liability."),
    ("aggressive", "Every post you make lowers the average IQ of this board."),
    ("aggressive", "Jog on, you haven't got a clue what you're on about."),
    ("aggressive", "Stop whining and grow up, for goodness' sake."),
    ("aggressive", "How you ever got through probation is beyond me."),
    ("aggressive", "Are you thick, or do you just pretend to be on here?"),
    ("sincere", "Brilliant post, well done to whoever dug out the old circular."),
    ("sincere", "You absolute genius, the spare key trick worked!"),
    ("sincere", "Bless you for covering my Saturday, I owe you one."),
    ("sincere", "Top marks to the mod team for tidying up the wiki."),
    ("self_deprecating", "Well, I feel daft now. I'd been reading the wrong week of the rota all month."),
    ("self_deprecating", "I'm an idiot; I put diesel in the petrol van. Learn from me."),
    ("self_deprecating", "Twenty years in and I still can't work the photocopier. Genius, me."),
    ("civil_disagreement", "I'd disagree there; the federation guidance was revised, though I get why it's confusing."),
    ("civil_disagreement", "Fair enough, but my reading of the regs is different. Happy to be corrected."),
    ("civil_disagreement", "I think you're mixing up the two schemes; the 1987 one had a different accrual rate."),
    ("civil_correction", "This came up last month; use the search for 'rest day' and it's the second thread."),
    ("civil_correction", "No worries, it's on the intranet under HR forms. Took me ages to find too."),
    ("civil_correction", "Small correction: the deadline is the 30th, not the 31st. Hope that helps."),
    ("complaint", "The rota this month is a farce; three quick changeovers in a row."),
    ("complaint", "Our station car has been off the road for six weeks and nobody cares."),
    ("complaint", "The pay rise is an insult after the year we've had."),
    ("complaint", "This ferry company couldn't run a bath."),
    ("complaint", "The new IT system is useless, it crashed four times today."),
    ("quoting", "A member sent me a PM calling me thick; I've reported it to the mods."),
    ("quoting", "He told me it was basic stuff any child could do, which I thought was uncalled for."),
    ("quoting", "My tutor constable said 'bless you, you'll learn' and I've never felt smaller."),
    ("quoting", "Someone replied 'cry more' to my post about my dad's funeral. Is that allowed?"),
)
VALIDATION_FREE = (
    ("condescending", "Oh bless, you've only just found out about overtime caps."),
    ("condescending", "Was that meant to be clever? Because it wasn't."),
    ("condescending", "Did your mum help you write that post?"),
    ("condescending", "I've explained this three times now. Do try to keep up."),
    ("dismissive", "Nobody cares, pal. Move on."),
    ("dismissive", "Boo hoo. Get over it and stop moaning on here."),
    ("dismissive", "Not wasting my breath on you again."),
    ("dismissive", "Another thread, another moan from you. Give it a rest."),
    ("aggressive", "You talk utter rubbish, every single time you post."),
    ("aggressive", "Get a clue before you post again."),
    ("aggressive", "What a pathetic reply from someone who claims to be a sergeant."),
    ("aggressive", "You're out of your depth and everyone on this thread can see it."),
    ("sincere", "Well done to the lads on the late turn, brilliant job today."),
    ("sincere", "Bless you for the cake in the briefing room, it was gorgeous."),
    ("self_deprecating", "Ignore me, I'm a muppet, I had the dates wrong."),
    ("civil_correction", "I think the date is actually next Tuesday; the notice was updated."),
    ("civil_disagreement", "I'd see it the other way, but it's a fair question to raise."),
    ("complaint", "The parking at HQ is a nightmare, an absolute joke."),
    ("quoting", "Someone called me a moron in the car thread; mods, could you have a look?"),
)
EVAL_FREE = (
    ("condescending", "Oh, sweet summer child. You'll learn."),
    ("condescending", "Goodness, you got there in the end. Proud of you."),
    ("condescending", "Shall I draw you a diagram, or is that too advanced?"),
    ("condescending", "Read it again, out loud this time, and move your finger along the words."),
    ("condescending", "Bless his cotton socks, he thinks the federation works for him."),
    ("condescending", "When you've been in the job longer than five minutes, come back and tell us."),
    ("condescending", "Love, nobody with any service thinks that."),
    ("dismissive", "Cool story. Did it have a point?"),
    ("dismissive", "Not worth my time, this one."),
    ("dismissive", "Ok, whatever makes you feel better about yourself."),
    ("dismissive", "Maybe try the forum rules page before posting nonsense again."),
    ("dismissive", "Tell someone who cares, because it isn't me."),
    ("dismissive", "Answered a thousand times already. Learn to look."),
    ("aggressive", "Give over, you're talking out of your backside."),
    ("aggressive", "You're an embarrassment to the uniform, honestly."),
    ("aggressive", "Button it. Nobody wants your drivel."),
    ("aggressive", "Do you ever think before you type?"),
    ("aggressive", "Your posts are the dumbest thing on this site by a mile."),
    ("aggressive", "Wind your neck in, sunshine."),
    ("sincere", "Well done on passing your sergeant's exam, thoroughly deserved."),
    ("sincere", "You're a star, the gate code worked a treat."),
    ("sincere", "Bless you, that's such a kind offer."),
    ("self_deprecating", "Classic me, I drove to the wrong nick for my course this morning."),
    ("self_deprecating", "I'm useless with spreadsheets, so don't take my numbers as gospel."),
    ("civil_disagreement", "Not how I read it; the new guidance removed that exemption, but I may be out of date."),
    ("civil_disagreement", "I'd weigh it up differently, though you make some good points."),
    ("civil_correction", "Slight correction: the form changed in April, the old one gets bounced."),
    ("civil_correction", "Pinned at the top of this board, second post down. Easy to miss."),
    ("complaint", "The ferry was cancelled again; the operator is a laughing stock."),
    ("complaint", "Head office has made a pig's ear of the new radios."),
    ("complaint", "The pension letters are a mess and nobody will answer the phone."),
    ("quoting", "Another member told me to 'grow up' in a PM. I've reported it."),
    ("quoting", "A regular on here called my question stupid, so I stopped posting for a bit."),
    ("quoting", "The reply 'whatever helps you sleep' under my post felt a bit much, honestly."),
)


# A frame that opens on an interjection takes no opener ("Honestly, oh well done" reads badly).
INTERJECTIONS = ("Oh", "Aww", "Wow", "Yawn")


def _compose(opener: str, frame: str, fill: str, closer: str) -> str:
    if frame.startswith(INTERJECTIONS):
        opener = ""
    text = frame.format(t=fill, p=fill)
    if opener and not (text.startswith("I ") or text.startswith("I'")) and text[1:2].islower():
        text = text[0].lower() + text[1:]
    text = opener + text + closer
    return text[0].upper() + text[1:]


def _build(frames, tasks, topics, openers, closers, free, reps: int) -> list[dict]:
    rows = []
    for kind in HOSTILE_KINDS + CIVIL_KINDS:
        for i, (frame, fill) in enumerate((f, x) for f in frames[kind] for x in (tasks if "{t}" in f else topics)):
            # Openers and closers by position, not by label: reps of them per frame and fill.
            for j in range(reps):
                opener = openers[(i + j) % len(openers)]
                closer = closers[(i // len(openers) + j) % len(closers)]
                rows.append({"text": _compose(opener, frame, fill, closer), "label": LABELS[kind], "kind": kind})
    rows += [{"text": text, "label": LABELS[kind], "kind": kind} for kind, text in free]
    return unique_by_text(rows)


def training_set() -> list[dict]:
    """Put-downs (1) and hard civil replies (0) for training; disjoint from the other two."""
    return _build(TRAIN_FRAMES, TRAIN_TASKS, TRAIN_TOPICS, TRAIN_OPENERS, TRAIN_CLOSERS, TRAIN_FREE, reps=2)


def validation_set() -> list[dict]:
    """Put-downs (1) and hard civil replies (0) for calibration; disjoint from both others."""
    return _build(VALIDATION_FRAMES, VALIDATION_TASKS, VALIDATION_TOPICS, VALIDATION_OPENERS, VALIDATION_CLOSERS,
                  VALIDATION_FREE, reps=1)


def evaluation_set() -> list[dict]:
    """Put-downs (1) and hard civil replies (0) for the report; never trained on."""
    return _build(EVAL_FRAMES, EVAL_TASKS, EVAL_TOPICS, EVAL_OPENERS, EVAL_CLOSERS, EVAL_FREE, reps=1)
