# Signaal: Dutch (the default language). Every user-facing string lives here and in ../en/main.ftl.
app-name = Signaal
app-tagline = Anoniem melden van pesten en grensoverschrijdend gedrag, voor scholen.
skip-to-content = Naar de inhoud
language-switch = Taal
language-nl = Nederlands
language-en = English
demo-banner = Demo: alle scholen, leerlingen en meldingen hier zijn verzonnen.
home-title = Signaal
home-intro = Met Signaal kunnen kinderen, ouders en medewerkers anoniem melden wat er gebeurt waar volwassenen het niet zien. De school volgt meldingen op, met privacy in elke stap.
home-for-reporters = Wil je iets melden? Gebruik de link op de website van jouw school.
home-for-staff = Werk je op een school? Log in via de link die je van je school hebt gekregen.
school-title = Meldpunt van { $school }
error-not-found-title = Deze pagina bestaat niet
error-not-found-body = Misschien is de link oud of zit er een typfout in. Ga terug naar de vorige pagina, of naar de startpagina.
error-unavailable-title = Het lukt nu even niet
error-unavailable-body = Signaal kan nu niet bij zijn gegevens. Probeer het over een paar minuten opnieuw.
error-internal-title = Er ging iets mis
error-internal-body = Er ging iets mis aan onze kant. Probeer het opnieuw. Blijft het misgaan, meld dit dan aan de school.
error-request-id = Foutcode voor de beheerder: { $id }
back-home = Naar de startpagina

## The report form (language level A2/B1: short sentences, everyday words)
form-title = Meld het bij { $school }
form-intro = Zie of voel je dat iemand gepest wordt of pijn gedaan wordt? Vertel het hier. Je hoeft je naam niet te geven.
form-private = Niemand kan zien dat jij dit stuurt. We bewaren niets over jouw telefoon of computer.
form-steps = Vul de vragen in. Vragen met een * moet je invullen.
form-read-aloud = Lees voor
form-required = (moet)
form-optional = (mag leeg)
form-step-reporter = Wie ben jij? *
form-step-categories = Wat gebeurde er? *
form-step-categories-hint = Je mag meer dan één ding kiezen.
form-step-place = Waar gebeurde het? *
form-step-when = Wanneer gebeurde het?
form-date = Welke dag?
form-date-hint = Weet je het niet precies? Laat het dan leeg.
form-part-of-day = Welk deel van de dag?
form-part-of-day-unknown = Weet ik niet
form-frequency = Hoe vaak gebeurt het? *
form-step-who = Wie deed het, en bij wie?
form-who-hint = Schrijf de namen zo goed als je kunt. Weet je de groep of klas? Schrijf die erbij.
form-did-it = Wie deed het?
form-done-to = Bij wie gebeurde het?
form-name = Naam { $n }
form-group = Groep of klas { $n }
form-step-story = Vertel wat er gebeurde *
form-story-hint = Schrijf het in je eigen woorden. Het mag kort zijn. Hooguit { $max } tekens.
form-step-contact = Wil je dat iemand met je praat?
form-contact-yes = Ja, ik wil dat iemand met mij praat.
form-contact-explain = Als je dit aanzet, ben je niet meer anoniem voor de anti-pestcoördinator. Alleen de coördinator en de directie zien je naam. Zet het aan als je dat goed vindt.
form-contact = Je naam, en hoe we je kunnen bereiken
form-contact-hint = Bijvoorbeeld: je naam en je groep, of een e-mailadres.
form-honeypot = Laat dit veld leeg
form-send = Versturen
form-problems-title = Er ontbreekt nog iets
form-problems-intro = Kijk naar deze vragen. Wat je al typte, staat er nog.
form-not-stored = Het is niet gelukt om je melding te versturen. Je tekst staat er nog. Probeer het over een paar minuten nog een keer.
form-too-fast = Dat ging supersnel! Wacht een paar tellen en druk dan nog een keer op Versturen.
form-expired = De pagina stond lang open. Druk nog een keer op Versturen.
form-token-invalid = Er ging iets mis met het formulier. Druk nog een keer op Versturen.
form-honeypot-filled = Er staat iets in een verborgen veld. Maak het leeg en druk nog een keer op Versturen.
form-busy = Er komen nu heel veel meldingen binnen. Wacht een paar minuten en druk dan nog een keer op Versturen. Je tekst staat er nog.

reporter-pupil_self = Ik ben een leerling en het gebeurde bij mij
reporter-pupil_witness = Ik ben een leerling en ik zag het gebeuren
reporter-staff = Ik werk op school
reporter-parent = Ik ben een ouder of verzorger
reporter-other = Iemand anders

category-physical = Slaan, schoppen of duwen
category-physical-hint = Iemand doet een ander pijn.
category-verbal = Uitschelden of uitlachen
category-verbal-hint = Gemene woorden, grappen of namen.
category-exclusion = Buitensluiten
category-exclusion-hint = Niet mee mogen doen, negeren, roddelen.
category-material = Spullen afpakken of kapotmaken
category-material-hint = Tas, jas, telefoon of iets anders.
category-online = Online pesten
category-online-hint = In een app, game of op social media.
category-sexual = Aanraken of iets seksueels dat niet mag
category-sexual-hint = Iemand komt te dichtbij of doet iets wat jij niet wilt.
category-threat = Bedreigen of dwingen
category-threat-hint = Bang maken, of geld of spullen eisen.
category-discrimination = Discrimineren
category-discrimination-hint = Iemand anders behandelen om wie hij of zij is.
category-other = Iets anders
category-other-hint = Vertel het hieronder.

place-schoolyard = Schoolplein
place-classroom = In de klas
place-corridor = Gang of trap
place-toilets = Wc
place-gym = Gymzaal of kleedkamer
place-canteen = Kantine of aula
place-way_to_school = Op weg naar school of naar huis
place-online = Online
place-elsewhere = Ergens anders

part-before_school = Voor school
part-lesson = Tijdens de les
part-break = In de pauze
part-lunch = Tijdens het eten
part-after_school = Na school
part-evening_weekend = 's Avonds of in het weekend

frequency-once = Eén keer
frequency-several_times = Een paar keer
frequency-almost_daily = (Bijna) elke dag

problem-missing-reporter = Kies wie jij bent.
problem-missing-categories = Kies minstens één ding dat er gebeurde.
problem-missing-place = Kies waar het gebeurde.
problem-missing-frequency = Kies hoe vaak het gebeurt.
problem-missing-description = Vertel in je eigen woorden wat er gebeurde.
problem-missing-contact = Schrijf je naam of hoe we je kunnen bereiken. Of zet het vinkje uit.
problem-missing-message = Schrijf eerst je bericht.
problem-unknown-choice = Deze keuze kennen we niet. Kies er een uit de lijst.
problem-too-short = Schrijf iets meer: minstens { $limit } tekens.
problem-too-long = Dit is te lang. Het mag hooguit { $limit } tekens zijn. Maak het wat korter.
problem-too-many-names = Je kunt hier hooguit { $limit } namen invullen.
problem-date-unreadable = Deze datum snappen we niet. Schrijf hem zo: 24-11-2026. Of laat hem leeg.
problem-date-in-future = Deze dag moet nog komen. Kies een dag die al geweest is.
problem-date-too-old = Dit is langer dan een jaar geleden. Laat de datum leeg en vertel het in je eigen woorden.

## After sending: the receipt
thanks-title = Dankjewel! Je melding is verstuurd.
thanks-lead = De school gaat ermee aan de slag. Dit zijn jouw vier geheime woorden:
thanks-write-down = Schrijf ze op en bewaar ze goed. Je ziet ze maar één keer.
thanks-why = Met deze woorden kun je later kijken wat de school met je melding doet, en een bericht sturen.
thanks-keep-secret = Laat je woorden aan niemand zien. Wie de woorden heeft, kan je berichten lezen.
thanks-print = Afdrukken
thanks-follow-link = Kijk hoe het gaat met je melding
thanks-card-title = Mijn geheime woorden voor { $school }
thanks-card-where = Kijken hoe het gaat: { $address }

## Following up with the receipt
follow-title = Hoe gaat het met mijn melding?
follow-intro = Typ je vier geheime woorden. Je kreeg ze toen je de melding verstuurde.
follow-receipt = Je vier geheime woorden
follow-receipt-hint = Bijvoorbeeld: appel fiets wolk kaas
follow-show = Bekijk mijn melding
follow-lost = Ben je je woorden kwijt? Dan kun je niet meer bij deze melding. Je kunt altijd een nieuwe melding maken.
follow-unavailable = Het lukt nu even niet. Probeer het over een paar minuten nog een keer. Wat je typte, staat er nog.
follow-unsent-message = Je bericht (nog niet verstuurd)
follow-new-report = Nieuwe melding maken
receipt-empty = Typ je vier geheime woorden.
receipt-wrong-count = Je geheime woorden zijn er vier. Je typte er { $found }.
receipt-unknown-word = Het woord "{ $word }" kennen we niet. Kijk of het goed gespeld is.
receipt-not-found = We vinden geen melding met deze woorden. Kijk of je ze goed hebt overgenomen.
receipt-busy = Je hebt het te vaak geprobeerd. Wacht een kwartier en probeer het dan nog een keer.
status-title = Jouw melding
status-received = Ontvangen
status-in_progress = De school is ermee bezig
status-handled = Afgehandeld
status-now = Nu:
status-sent = Verstuurd rond { $time }
messages-title = Berichten
messages-none = Er zijn nog geen berichten.
message-from-school = De school
message-from-reporter = Jij
message-write = Schrijf een bericht aan de school
message-write-hint = De school kan je bericht lezen, maar weet niet wie je bent. Hooguit { $max } tekens.
message-send = Bericht versturen
message-sent = Je bericht is verstuurd.
follow-leave = Klaar? Sluit dan deze pagina, zodat niemand anders je berichten ziet.

## The poster
poster-title = Poster voor { $school }
poster-heading = Zit je ergens mee?
poster-lead = Wordt iemand gepest, of voel je je niet veilig? Meld het, anoniem.
poster-scan = Scan de code met je telefoon, of ga naar:
poster-print = Druk deze pagina af op A4.
poster-qr-label = QR-code naar het meldformulier van { $school }

## The API
api-invalid-json = Dit is geen geldige JSON in de verwachte vorm
