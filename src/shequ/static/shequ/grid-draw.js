// Drawing a grid (registry/grid_draw.html): the counts above the list follow the ticks, before saving.
(function () {
  "use strict";
  const form = document.getElementById("grid-draw");
  if (!form) return;
  const boxes = Array.from(form.querySelectorAll("input[name=building]"));
  // As the server drew the page (defaultChecked), not as the boxes are now: a tick made before this
  // deferred script ran, or restored by the browser after "back", is counted by the update below.
  const initiallyUnassigned = boxes.filter((b) => b.dataset.unassigned === "1" && !b.defaultChecked).length;
  const update = () => {
    const ticked = boxes.filter((b) => b.checked);
    document.getElementById("grid-buildings").textContent = ticked.length;
    document.getElementById("grid-households").textContent =
      ticked.reduce((sum, b) => sum + Number(b.dataset.households || 0), 0);
    const leaving = boxes.filter((b) => b.defaultChecked && !b.checked).length;
    const joining = boxes.filter((b) => b.dataset.unassigned === "1" && b.checked).length;
    document.getElementById("grid-unassigned").textContent = initiallyUnassigned - joining + leaving;
  };
  form.addEventListener("change", update);
  update();
})();
