// Calls the backend through nginx's /api/ proxy: lists exercises, logs a set with a client sequence number.
const clientId = `web-${Math.random().toString(36).slice(2, 10)}`;
let seq = 0;
const $ = (id) => document.getElementById(id);

async function loadExercises() {
  try {
    const res = await fetch('/api/exercises');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const { exercises } = await res.json();
    $('exercises').innerHTML = '';
    for (const e of exercises) {
      const li = document.createElement('li');
      li.textContent = `${e.name} (${e.muscleGroup})`;
      $('exercises').append(li);
      $('exercise').append(new Option(e.name, String(e.id)));
    }
    $('status').textContent = `${exercises.length} exercises`;
  } catch (error) {
    $('status').textContent = `backend unavailable: ${error.message}`;
    $('status').className = 'error';
  }
}

$('log').addEventListener('submit', async (event) => {
  event.preventDefault();
  seq += 1;
  const body = { clientId, seq, exerciseId: Number($('exercise').value), reps: Number($('reps').value), weightKg: Number($('weight').value) };
  const res = await fetch('/api/logs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  $('result').textContent = res.ok ? `saved #${seq}` : `not saved (HTTP ${res.status})`;
});

loadExercises();
