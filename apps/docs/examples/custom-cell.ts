import { defineCell } from '@elk/cells';
import { evaluate } from '@elk/solvers';

const [dt, gravity, friction] = [0.01, 9.81, 0.5];
export const pendulum = defineCell({
  name: 'pendulum',
  stateSize: 2,
  inputSize: 1,
  // ω' = ω + dt (torque − g sin θ − c ω),  θ' = θ + dt ω'
  step: (state, input, m) => {
    const [theta = 0, omega = 0] = state;
    const [torque = 0] = input;
    const acceleration = m.sub(m.sub(torque, m.mul(gravity, m.sin(theta))), m.mul(friction, omega));
    const nextOmega = m.add(omega, m.mul(dt, acceleration));
    return [m.add(theta, m.mul(dt, nextOmega)), nextOmega];
  },
});

const length = 2000; // 20 seconds, driven by a slow periodic torque, from rest at θ = 1
const inputs = Float64Array.from({ length }, (_, t) => 2 * Math.sin(t * dt * 1.5));
const initialState = Float64Array.of(1, 0);
export const sequential = await evaluate(pendulum, { inputs, initialState, method: 'sequential' });
export const deer = await evaluate(pendulum, { inputs, initialState, method: 'deer' });
console.log(deer.iterations, deer.converged, deer.states.slice(-2)); // the same swing as the loop
