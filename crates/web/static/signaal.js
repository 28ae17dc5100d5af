// Signaal's only script: small enhancements. Every page works without it.
(function () {
  "use strict";
  var lang = document.documentElement.lang === "en" ? "en-GB" : "nl-NL";

  // Read aloud: where the browser can speak, each question gets a button that reads its text.
  if ("speechSynthesis" in window && "SpeechSynthesisUtterance" in window) {
    document.querySelectorAll("button.speak").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var fieldset = button.closest("fieldset");
        if (!fieldset) return;
        var parts = [];
        fieldset.querySelectorAll("legend, .hint, label").forEach(function (el) {
          var text = el.textContent.replace(/\s+/g, " ").trim();
          if (text) parts.push(text.replace(/\*$/, ""));
        });
        window.speechSynthesis.cancel();
        var utterance = new SpeechSynthesisUtterance(parts.join(". "));
        utterance.lang = lang;
        utterance.rate = 0.9;
        window.speechSynthesis.speak(utterance);
      });
    });
  }

  document.querySelectorAll("button.print").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // After a failed send, move focus to the list of problems so it is read first.
  var problems = document.getElementById("problems");
  if (problems) problems.focus();
})();
