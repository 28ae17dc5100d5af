# Signaal: English.
app-name = Signaal
app-tagline = Anonymous reporting of bullying and transgressive behaviour, for schools.
skip-to-content = Skip to content
language-switch = Language
language-nl = Nederlands
language-en = English
demo-banner = Demo: every school, pupil and report here is made up.
home-title = Signaal
home-intro = With Signaal, children, parents and staff can report anonymously what happens where adults cannot see. The school follows up on reports, with privacy in every step.
home-for-reporters = Want to report something? Use the link on your school's website.
home-for-staff = Do you work at a school? Log in through the link your school gave you.
school-title = Reporting point of { $school }
error-not-found-title = This page does not exist
error-not-found-body = The link may be old or have a typo in it. Go back to the previous page, or to the home page.
error-unavailable-title = It does not work right now
error-unavailable-body = Signaal cannot reach its data at the moment. Please try again in a few minutes.
error-internal-title = Something went wrong
error-internal-body = Something went wrong on our side. Please try again. If it keeps going wrong, tell the school.
error-request-id = Error code for the administrator: { $id }
back-home = To the home page

## The report form (plain English for children)
form-title = Tell { $school } about it
form-intro = Do you see or feel that someone is being bullied or hurt? Tell us here. You do not have to give your name.
form-private = Nobody can see that you sent this. We keep nothing about your phone or computer.
form-steps = Answer the questions. Questions with a * must be answered.
form-read-aloud = Read aloud
form-required = (required)
form-optional = (optional)
form-step-reporter = Who are you? *
form-step-categories = What happened? *
form-step-categories-hint = You may choose more than one.
form-step-place = Where did it happen? *
form-step-when = When did it happen?
form-date = Which day?
form-date-hint = Not sure? Then leave it empty.
form-part-of-day = Which part of the day?
form-part-of-day-unknown = I don't know
form-frequency = How often does it happen? *
form-step-who = Who did it, and to whom?
form-who-hint = Write the names as well as you can. Do you know the group or class? Write it too.
form-did-it = Who did it?
form-done-to = Who did it happen to?
form-name = Name { $n }
form-group = Group or class { $n }
form-step-story = Tell us what happened *
form-story-hint = Use your own words. It may be short. At most { $max } characters.
form-step-contact = Do you want someone to talk to you?
form-contact-yes = Yes, I want someone to talk to me.
form-contact-explain = If you switch this on, you are no longer anonymous to the anti-bullying coordinator. Only the coordinator and the school leaders see your name. Switch it on if that is OK for you.
form-contact = Your name, and how we can reach you
form-contact-hint = For example: your name and group, or an e-mail address.
form-honeypot = Leave this field empty
form-send = Send
form-problems-title = Something is missing
form-problems-intro = Look at these questions. What you typed is still there.
form-not-stored = Your report could not be sent. Your text is still here. Please try again in a few minutes.
form-too-fast = That was super fast! Wait a few seconds and press Send again.
form-expired = The page was open for a long time. Press Send again.
form-token-invalid = Something went wrong with the form. Press Send again.
form-honeypot-filled = A hidden field has something in it. Empty it and press Send again.
form-busy = Many reports are coming in right now. Wait a few minutes and press Send again. Your text is still here.

reporter-pupil_self = I am a pupil and it happened to me
reporter-pupil_witness = I am a pupil and I saw it happen
reporter-staff = I work at the school
reporter-parent = I am a parent or carer
reporter-other = Someone else

category-physical = Hitting, kicking or pushing
category-physical-hint = Someone hurts another person.
category-verbal = Calling names or laughing at someone
category-verbal-hint = Mean words, jokes or names.
category-exclusion = Leaving someone out
category-exclusion-hint = Not letting someone join in, ignoring, gossip.
category-material = Taking or breaking things
category-material-hint = A bag, coat, phone or something else.
category-online = Bullying online
category-online-hint = In an app, a game or on social media.
category-sexual = Touching or something sexual that is not OK
category-sexual-hint = Someone comes too close or does something you do not want.
category-threat = Threatening or forcing
category-threat-hint = Scaring someone, or demanding money or things.
category-discrimination = Discrimination
category-discrimination-hint = Treating someone differently because of who they are.
category-other = Something else
category-other-hint = Tell us below.

place-schoolyard = Schoolyard
place-classroom = In the classroom
place-corridor = Corridor or stairs
place-toilets = Toilets
place-gym = Gym or changing room
place-canteen = Canteen or hall
place-way_to_school = On the way to school or home
place-online = Online
place-elsewhere = Somewhere else

part-before_school = Before school
part-lesson = During a lesson
part-break = At break time
part-lunch = At lunch
part-after_school = After school
part-evening_weekend = In the evening or at the weekend

frequency-once = Once
frequency-several_times = A few times
frequency-almost_daily = (Almost) every day

problem-missing-reporter = Choose who you are.
problem-missing-categories = Choose at least one thing that happened.
problem-missing-place = Choose where it happened.
problem-missing-frequency = Choose how often it happens.
problem-missing-description = Tell us in your own words what happened.
problem-missing-contact = Write your name or how we can reach you. Or untick the box.
problem-missing-message = Write your message first.
problem-unknown-choice = We do not know this choice. Choose one from the list.
problem-too-short = Write a little more: at least { $limit } characters.
problem-too-long = This is too long. It may be at most { $limit } characters. Make it a little shorter.
problem-too-many-names = You can fill in at most { $limit } names here.
problem-date-unreadable = We do not understand this date. Write it like this: 24-11-2026. Or leave it empty.
problem-date-in-future = This day has not come yet. Choose a day that has passed.
problem-date-too-old = This is more than a year ago. Leave the date empty and tell us in your own words.

## After sending: the receipt
thanks-title = Thank you! Your report has been sent.
thanks-lead = The school will work on it. These are your four secret words:
thanks-write-down = Write them down and keep them safe. You see them only once.
thanks-why = With these words you can later see what the school does with your report, and send a message.
thanks-keep-secret = Do not show your words to anyone. Whoever has the words can read your messages.
thanks-print = Print
thanks-follow-link = See how your report is doing
thanks-card-title = My secret words for { $school }
thanks-card-where = See how it is going: { $address }

## Following up with the receipt
follow-title = How is my report doing?
follow-intro = Type your four secret words. You got them when you sent the report.
follow-receipt = Your four secret words
follow-receipt-hint = For example: appel fiets wolk kaas
follow-show = Show my report
follow-lost = Lost your words? Then you cannot get to this report any more. You can always make a new report.
follow-unavailable = It does not work right now. Please try again in a few minutes. What you typed is still here.
follow-unsent-message = Your message (not sent yet)
follow-new-report = Make a new report
receipt-empty = Type your four secret words.
receipt-wrong-count = Your secret words are four. You typed { $found }.
receipt-unknown-word = We do not know the word "{ $word }". Check the spelling.
receipt-not-found = We find no report with these words. Check that you copied them correctly.
receipt-busy = You tried too often. Wait a quarter of an hour and try again.
status-title = Your report
status-received = Received
status-in_progress = The school is working on it
status-handled = Handled
status-now = Now:
status-sent = Sent around { $time }
messages-title = Messages
messages-none = There are no messages yet.
message-from-school = The school
message-from-reporter = You
message-write = Write a message to the school
message-write-hint = The school can read your message but does not know who you are. At most { $max } characters.
message-send = Send message
message-sent = Your message has been sent.
follow-leave = Done? Close this page, so nobody else sees your messages.

## The poster
poster-title = Poster for { $school }
poster-heading = Something on your mind?
poster-lead = Is someone being bullied, or do you not feel safe? Report it, anonymously.
poster-scan = Scan the code with your phone, or go to:
poster-print = Print this page on A4.
poster-qr-label = QR code to the report form of { $school }

## The API
api-invalid-json = This is not valid JSON of the expected shape
