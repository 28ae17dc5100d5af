# The e-mails Signaal sends to staff, in plain text. They never hold anything about a report: only
# that there are new reports for a school, or a one-time link to set a password.
mail-greeting = Beste { $name },
mail-footer = Dit bericht is automatisch verstuurd door Signaal. Je kunt er niet op antwoorden.

mail-notify-subject = Nieuwe meldingen voor { $school }
mail-notify-news = Er zijn nieuwe meldingen voor { $school }.
mail-notify-sign-in = Log in om ze te bekijken:
mail-notify-nothing-inside = In deze e-mail staat met opzet niets over de meldingen zelf. Je krijgt hooguit één zo'n bericht per uur.

mail-invite-subject = Je account voor Signaal
mail-invite-intro = Er is een account voor je gemaakt in Signaal. Kies je wachtwoord via deze link. De link werkt één keer, 48 uur lang:
mail-invite-next = Bij de eerste keer inloggen stel je ook de tweestapsverificatie in.
mail-reset-subject = Een nieuw wachtwoord voor Signaal
mail-reset-intro = Met deze link kies je een nieuw wachtwoord voor Signaal. De link werkt één keer, 48 uur lang:
mail-reset-next = Je tweestapsverificatie blijft zoals hij was.
mail-link-not-asked = Heb je hier niet om gevraagd? Vertel het dan aan je schoolleiding.

mail-requests-subject = Verzoeken over privacy voor { $school }
mail-requests-due = Bij { $school } moeten binnenkort een of meer verzoeken over privacy beantwoord zijn, of de termijn is al voorbij.
mail-requests-sign-in = Log in om ze te bekijken:
mail-requests-nothing-inside = In deze e-mail staat met opzet niets over de verzoeken zelf. Je krijgt hooguit één zo'n bericht per dag.
