// The dictation queue: the transcription player's keys (F4/Ctrl+Space play/pause, F3/Ctrl+←
// back 3 s, F5/Ctrl+→ forward 3 s, Ctrl+↑/↓ speed ±0.1 within 0.5–2.0) and recording a
// dictation in the browser (MediaRecorder → WebM/Opus, handed to the form's file field).
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  var STEP_SECONDS = 3;
  var SPEED_STEP = 0.1;
  var SPEED_MIN = 0.5;
  var SPEED_MAX = 2.0;

  // The player --------------------------------------------------------------------------------
  function audio() { return document.getElementById("dictation-audio"); }

  function decimal(value) {
    var text = value.toFixed(1);
    return (document.documentElement.lang || "").indexOf("da") === 0 ? text.replace(".", ",") : text;
  }

  function showSpeed(player) {
    var out = document.getElementById("dictation-speed");
    if (out) out.textContent = decimal(player.playbackRate) + "×";
  }

  function seek(player, delta) {
    var end = isFinite(player.duration) ? player.duration : Infinity;
    player.currentTime = Math.min(Math.max(0, player.currentTime + delta), end);
  }

  function setSpeed(player, delta) {
    var next = Math.round((player.playbackRate + delta) * 10) / 10;
    player.playbackRate = Math.min(SPEED_MAX, Math.max(SPEED_MIN, next));
    showSpeed(player);
  }

  function toggle(player) {
    if (player.paused) {
      var playing = player.play();
      if (playing && playing.catch) playing.catch(function () { /* no sound device: ignore */ });
    } else {
      player.pause();
    }
  }

  var ACTIONS = {
    toggle: function (p) { toggle(p); },
    back: function (p) { seek(p, -STEP_SECONDS); },
    forward: function (p) { seek(p, STEP_SECONDS); },
    slower: function (p) { setSpeed(p, -SPEED_STEP); },
    faster: function (p) { setSpeed(p, SPEED_STEP); }
  };

  function actionFor(event) {
    if (event.altKey || event.metaKey || event.shiftKey) return null;
    if (!event.ctrlKey) {
      return { F3: "back", F4: "toggle", F5: "forward" }[event.key] || null;
    }
    if (event.key === " " || event.code === "Space") return "toggle";
    return { ArrowLeft: "back", ArrowRight: "forward", ArrowUp: "faster", ArrowDown: "slower" }[event.key] || null;
  }

  // Capture phase: the keys work while typing in the transcript, before the textarea or the
  // browser (F5 reload, F3 find) sees them.
  window.addEventListener("keydown", function (event) {
    var player = audio();
    if (!player) return;
    var action = actionFor(event);
    if (!action) return;
    event.preventDefault();
    event.stopPropagation();
    ACTIONS[action](player);
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-player]");
    var player = audio();
    if (!button || !player) return;
    var action = ACTIONS[button.dataset.player];
    if (action) action(player);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var player = audio();
    if (!player) return;
    showSpeed(player);
    player.addEventListener("ratechange", function () { showSpeed(player); });
  });

  // Recording in the browser ------------------------------------------------------------------
  function pickType() {
    var types = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus"];
    for (var i = 0; i < types.length; i++) {
      if (window.MediaRecorder && MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(types[i])) {
        return types[i];
      }
    }
    return "";
  }

  function clock(seconds) {
    var s = Math.floor(seconds % 60);
    return Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
  }

  function setUpRecorder() {
    var box = document.getElementById("dictation-recorder");
    var input = document.getElementById("id_audio");
    if (!box || !input) return;
    var canRecord = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia &&
      window.MediaRecorder && window.DataTransfer && pickType());
    if (!canRecord) return;  // stays hidden: upload a file or type instead
    box.hidden = false;
    var start = document.getElementById("recorder-start");
    var stop = document.getElementById("recorder-stop");
    var time = document.getElementById("recorder-time");
    var message = document.getElementById("recorder-message");
    var preview = document.getElementById("recorder-preview");
    var duration = document.getElementById("id_duration");
    var recorder = null, chunks = [], startedAt = 0, timer = null, stream = null;

    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
        stream = s;
        var type = pickType();
        recorder = new MediaRecorder(stream, { mimeType: type });
        chunks = [];
        recorder.addEventListener("dataavailable", function (e) { if (e.data && e.data.size) chunks.push(e.data); });
        recorder.addEventListener("stop", function () {
          var seconds = Math.round((Date.now() - startedAt) / 1000);
          var blob = new Blob(chunks, { type: type.split(";")[0] });
          var extension = type.indexOf("ogg") >= 0 ? "ogg" : "webm";
          var file = new File([blob], "diktat." + extension, { type: blob.type });
          var transfer = new DataTransfer();
          transfer.items.add(file);
          input.files = transfer.files;
          if (duration) duration.value = String(seconds);
          preview.src = URL.createObjectURL(blob);
          preview.hidden = false;
          message.textContent = box.dataset.recordedText || "";
          stream.getTracks().forEach(function (t) { t.stop(); });
        });
        recorder.start(1000);
        startedAt = Date.now();
        start.disabled = true;
        stop.disabled = false;
        time.textContent = "0:00";
        timer = setInterval(function () { time.textContent = clock((Date.now() - startedAt) / 1000); }, 500);
      }).catch(function () {
        message.textContent = box.dataset.deniedText || "";
      });
    });

    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") recorder.stop();
      clearInterval(timer);
      start.disabled = false;
      stop.disabled = true;
    });
  }

  document.addEventListener("DOMContentLoaded", setUpRecorder);
})();
