// Play a recommended song in the page with Spotify's embed player, made only when its Play
// button is pressed: one player at a time, so a second song stops the first.
(function () {
  "use strict";

  var EMBED = /^https:\/\/open\.spotify\.com\/embed\/track\/[0-9A-Za-z]{22}$/;  // what the CSP's frame-src allows

  function buttonFor(player) {
    return document.querySelector('.play-button[data-player="' + player.id + '"]');
  }

  function close(player) {
    player.replaceChildren();
    player.hidden = true;
    var button = buttonFor(player);
    if (button) {
      button.setAttribute("aria-expanded", "false");
      button.querySelector(".play-label").textContent = "Play";
    }
  }

  function open(player, button) {
    var url = player.dataset.embedUrl;
    if (!EMBED.test(url)) {
      return;
    }
    document.querySelectorAll(".player:not([hidden])").forEach(close);
    var frame = document.createElement("iframe");
    frame.src = url;
    frame.title = "Spotify player: " + player.dataset.title;
    frame.allow = "autoplay; clipboard-write; encrypted-media; fullscreen; picture-in-picture";
    frame.loading = "lazy";
    player.appendChild(frame);
    player.hidden = false;
    button.setAttribute("aria-expanded", "true");
    button.querySelector(".play-label").textContent = "Close";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".play-button");
    if (!button) {
      return;
    }
    var player = document.getElementById(button.dataset.player);
    if (!player) {
      return;
    }
    if (player.hidden) {
      open(player, button);
    } else {
      close(player);
    }
  });
})();
