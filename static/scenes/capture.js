// The capture page: record with MediaRecorder (level meter, countdown) or choose a file,
// upload to the API with a progress bar, then go to the result page.
(function () {
  "use strict";

  var PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000";
  var recorderCard = document.getElementById("recorder");
  var form = document.getElementById("upload-form");
  if (!recorderCard || !form) { return; }

  var statusCard = document.getElementById("upload-status");
  var progress = document.getElementById("upload-progress");
  var message = document.getElementById("upload-message");
  var csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function showMessage(text, isError) {
    statusCard.hidden = false;
    message.textContent = text;
    message.className = isError ? "error-message" : "";
  }

  // A failed upload empties the bar: a half-full bar beside an error reads as "still going".
  function showFailure(text) {
    progress.value = 0;
    showMessage(text, true);
  }

  // Microphone trouble is said in the recorder's own card, in words, with what to do;
  // the texts come from the page (scenes.errors.MICROPHONE_MESSAGES).
  var recorderMessage = document.getElementById("recorder-message");
  var MICROPHONE_ERRORS = {
    NotAllowedError: "denied", PermissionDeniedError: "denied", SecurityError: "denied",
    NotFoundError: "missing", DevicesNotFoundError: "missing", OverconstrainedError: "missing",
    NotReadableError: "busy", TrackStartError: "busy", AbortError: "busy"
  };

  function showMicrophoneProblem(kind) {
    var key = "microphone" + kind.charAt(0).toUpperCase() + kind.slice(1);
    recorderMessage.textContent = recorderCard.dataset[key] || recorderCard.dataset.microphoneOther;
    recorderMessage.hidden = false;
  }

  function detailUrl(id) {
    return recorderCard.dataset.detailUrl.replace(PLACEHOLDER_ID, id);
  }

  function upload(blob, filename, onDone) {
    var data = new FormData();
    data.append("file", blob, filename);
    // The user's local time picks the songs' energy (static/js/time-zone.js finds the zone).
    data.append("time_zone", window.soundscapifyTimeZone || "");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", recorderCard.dataset.uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { progress.value = Math.round(100 * event.loaded / event.total); }
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = {}; }
      if (xhr.status === 201) {
        progress.value = 100;
        showMessage("Uploaded. Listening…", false);
        window.location.assign(body.page_url || detailUrl(body.id));
      } else {
        showFailure(body.detail || ("The upload failed (" + xhr.status + "). Please try again."));
        if (onDone) { onDone(); }
      }
    });
    xhr.addEventListener("error", function () {
      showFailure("The upload failed: check your connection and try again.");
      if (onDone) { onDone(); }
    });
    progress.value = 0;
    showMessage("Uploading…", false);
    xhr.send(data);
  }

  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    if (!input.files.length || !window.FormData) { return; }
    event.preventDefault();
    upload(input.files[0], input.files[0].name);
  });

  // --- Recording ------------------------------------------------------------------------
  var recordButton = document.getElementById("record-button");
  recorderCard.hidden = false;
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder)) {
    // Plain http on another machine's address, or an old browser: say why, keep the card.
    recordButton.disabled = true;
    document.getElementById("record-seconds").disabled = true;
    showMicrophoneProblem("unsupported");
    return;
  }

  var stopButton = document.getElementById("stop-button");
  var secondsSelect = document.getElementById("record-seconds");
  var meter = document.getElementById("level-meter");
  var countdown = document.getElementById("countdown");
  var TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
  var EXTENSIONS = { "audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a" };

  function supportedType() {
    for (var i = 0; i < TYPES.length; i += 1) {
      if (MediaRecorder.isTypeSupported(TYPES[i])) { return TYPES[i]; }
    }
    return "";
  }

  function startLevelMeter(stream) {
    var AudioContextClass = window.AudioContext || window.webkitAudioContext;
    if (!AudioContextClass) { return function () {}; }
    var context = new AudioContextClass();
    var analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaStreamSource(stream).connect(analyser);
    var samples = new Float32Array(analyser.fftSize);
    var timer = window.setInterval(function () {
      analyser.getFloatTimeDomainData(samples);
      var sum = 0;
      for (var i = 0; i < samples.length; i += 1) { sum += samples[i] * samples[i]; }
      var rms = Math.sqrt(sum / samples.length);
      // dBFS from -60 (empty meter) to 0 (full): how loud it sounds, not how big the number is.
      var db = 20 * Math.log10(rms + 1e-9);
      meter.value = Math.max(0, Math.min(1, (db + 60) / 60));
    }, 60);
    return function () {
      window.clearInterval(timer);
      meter.value = 0;
      context.close();
    };
  }

  function setRecording(active) {
    recordButton.hidden = active;
    stopButton.hidden = !active;
    secondsSelect.disabled = active;
  }

  function record(stream) {
    var type = supportedType();
    var recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    var chunks = [];
    var left = Number(secondsSelect.value);
    var stopMeter = startLevelMeter(stream);
    var ticker = null;

    recorder.addEventListener("dataavailable", function (event) {
      if (event.data && event.data.size) { chunks.push(event.data); }
    });
    recorder.addEventListener("stop", function () {
      window.clearInterval(ticker);
      stopMeter();
      stream.getTracks().forEach(function (track) { track.stop(); });
      var mime = (recorder.mimeType || type || "audio/webm").split(";")[0];
      countdown.textContent = "";
      upload(new Blob(chunks, { type: mime }), "browser-recording." + (EXTENSIONS[mime] || "webm"), function () {
        setRecording(false);
        recordButton.hidden = false;
      });
      stopButton.hidden = true;
    });

    function stop() { if (recorder.state !== "inactive") { recorder.stop(); } }
    stopButton.onclick = stop;
    countdown.textContent = left + " s";
    ticker = window.setInterval(function () {
      left -= 1;
      countdown.textContent = left > 0 ? left + " s" : "";
      if (left <= 0) { stop(); }
    }, 1000);
    recorder.start(250);
    setRecording(true);
  }

  recordButton.addEventListener("click", function () {
    statusCard.hidden = true;
    recorderMessage.hidden = true;
    navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
    }).then(record, function (error) {
      showMicrophoneProblem(MICROPHONE_ERRORS[error && error.name] || "other");
    });
  });
}());
