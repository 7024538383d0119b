// Fills every <input data-time-zone> with the browser's IANA time zone: the server picks the
// songs' energy band from the user's local time of day, not the server's.
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (ignored) { zone = ""; }
  window.soundscapifyTimeZone = zone;
  var inputs = document.querySelectorAll("input[data-time-zone]");
  for (var i = 0; i < inputs.length; i += 1) { inputs[i].value = zone; }
}());
