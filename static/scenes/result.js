// The result page: while the recording waits or is being analysed, poll its status
// through the API and reload the page once the result (or the failure) is there.
(function () {
  "use strict";

  var section = document.getElementById("recording-status");
  if (!section || section.dataset.pending !== "true") { return; }

  var text = document.getElementById("status-text");
  var url = section.dataset.statusUrl;
  var started = Date.now();
  var GIVE_UP_MS = 3 * 60 * 1000;
  var LABELS = { queued: "Waiting for a free listener…", processing: "Listening…" };

  function poll() {
    window.fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (recording) {
        if (recording.status === "done" || recording.status === "failed") {
          window.location.reload();
          return;
        }
        if (text) { text.textContent = LABELS[recording.status] || recording.status; }
        schedule(1000);
      })
      .catch(function () { schedule(3000); });
  }

  function schedule(delay) {
    if (Date.now() - started > GIVE_UP_MS) {
      if (text) { text.textContent = "This is taking longer than usual. Please reload the page in a while."; }
      return;
    }
    window.setTimeout(poll, delay);
  }

  schedule(500);
}());
