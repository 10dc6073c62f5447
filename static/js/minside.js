// Min side: progressive enhancement only; every form works without JavaScript.
(function () {
  "use strict";
  // Question 10: the tick boxes only matter when the answer is "yes"; hide them for "no".
  var barriers = document.getElementById("q10_barriers");
  if (barriers) {
    var radios = document.querySelectorAll('input[name="q10"]');
    var update = function () {
      var no = document.getElementById("q10-nej");
      barriers.hidden = !!(no && no.checked);
    };
    for (var i = 0; i < radios.length; i++) { radios[i].addEventListener("change", update); }
    update();
  }
})();
