// Just enough of UnityEngine's API for LivedualReceiver.cs to compile outside Unity (the
// tests build it with Mono's mcs). Bodies are placeholders: nothing here runs. Unity ignores
// folders whose name ends in "~", so this file never enters a Unity project.
using System;

namespace UnityEngine
{
    public class Object { public string name; }
    public class Component : Object
    {
        public Transform transform { get { return null; } }
        public T GetComponentInChildren<T>() { return default(T); }
    }
    public class Behaviour : Component { public bool enabled; }
    public class MonoBehaviour : Behaviour { }

    public class Transform : Component
    {
        public Vector3 position;
        public Quaternion rotation;
        public Vector3 TransformPoint(Vector3 p) { return p; }
        public Vector3 InverseTransformPoint(Vector3 p) { return p; }
    }

    public class Animator : Behaviour
    {
        public bool isHuman { get { return true; } }
        public Transform GetBoneTransform(HumanBodyBones bone) { return null; }
    }

    public enum HumanBodyBones
    {
        Hips, LeftUpperLeg, RightUpperLeg, LeftLowerLeg, RightLowerLeg, LeftFoot, RightFoot,
        Spine, Chest, Neck, Head, LeftShoulder, RightShoulder, LeftUpperArm, RightUpperArm,
        LeftLowerArm, RightLowerArm, LeftHand, RightHand, LeftToes, RightToes, LeftEye,
        RightEye, Jaw, LeftThumbProximal, LeftThumbIntermediate, LeftThumbDistal,
        LeftIndexProximal, LeftIndexIntermediate, LeftIndexDistal, LeftMiddleProximal,
        LeftMiddleIntermediate, LeftMiddleDistal, LeftRingProximal, LeftRingIntermediate,
        LeftRingDistal, LeftLittleProximal, LeftLittleIntermediate, LeftLittleDistal,
        RightThumbProximal, RightThumbIntermediate, RightThumbDistal, RightIndexProximal,
        RightIndexIntermediate, RightIndexDistal, RightMiddleProximal, RightMiddleIntermediate,
        RightMiddleDistal, RightRingProximal, RightRingIntermediate, RightRingDistal,
        RightLittleProximal, RightLittleIntermediate, RightLittleDistal, UpperChest, LastBone,
    }

    public struct Vector3
    {
        public float x, y, z;
        public Vector3(float x, float y, float z) { this.x = x; this.y = y; this.z = z; }
        public static Vector3 operator *(Vector3 v, float s) { return new Vector3(v.x * s, v.y * s, v.z * s); }
    }

    public struct Quaternion
    {
        public float x, y, z, w;
        public Quaternion(float x, float y, float z, float w) { this.x = x; this.y = y; this.z = z; this.w = w; }
        public static Quaternion Inverse(Quaternion q) { return new Quaternion(-q.x, -q.y, -q.z, q.w); }
        public static Quaternion operator *(Quaternion a, Quaternion b) { return a; }
    }

    public static class Debug
    {
        public static void Log(object message) { }
        public static void LogError(object message) { }
    }

    [AttributeUsage(AttributeTargets.Field)]
    public sealed class TooltipAttribute : Attribute { public TooltipAttribute(string text) { } }
    [AttributeUsage(AttributeTargets.Field)]
    public sealed class HeaderAttribute : Attribute { public HeaderAttribute(string text) { } }
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class AddComponentMenu : Attribute { public AddComponentMenu(string menu) { } }
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class DisallowMultipleComponent : Attribute { }
}
