# The e-mails Signaal sends to staff, in plain text. They never hold anything about a report: only
# that there are new reports for a school, or a one-time link to set a password.
mail-greeting = Dear { $name },
mail-footer = This message was sent automatically by Signaal. Replies are not read.

mail-notify-subject = New reports for { $school }
mail-notify-news = There are new reports for { $school }.
mail-notify-sign-in = Sign in to see them:
mail-notify-nothing-inside = On purpose, this e-mail says nothing about the reports themselves. You get at most one such message an hour.

mail-invite-subject = Your Signaal account
mail-invite-intro = An account was made for you in Signaal. Choose your password with this link. It works once, for 48 hours:
mail-invite-next = When you first sign in, you also set up two-step verification.
mail-reset-subject = A new password for Signaal
mail-reset-intro = With this link you choose a new password for Signaal. It works once, for 48 hours:
mail-reset-next = Your two-step verification stays as it was.
mail-link-not-asked = Did you not ask for this? Then tell your school's leadership.

mail-requests-subject = Privacy requests for { $school }
mail-requests-due = At { $school }, one or more privacy requests must be answered soon, or their deadline has passed.
mail-requests-sign-in = Sign in to see them:
mail-requests-nothing-inside = On purpose, this e-mail says nothing about the requests themselves. You get at most one such message a day.
